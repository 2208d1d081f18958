//! Every command example in README.md is checked here, so the README cannot
//! drift from the binary.
//!
//! - A ```` ```console ```` block holds `$ command` lines, each followed by
//!   the output it prints. The test runs each `complaintd …` line with the
//!   real binary from the repository's root and compares its standard
//!   output, line by line, with what the README shows.
//! - A block preceded by `<!-- readme-test: parse-only (why) -->` needs
//!   something a test does not have (an installed config, a mail server, the
//!   whole suite): its `complaintd …` lines (also as `cargo run -- …`) are
//!   parsed by the binary's own command-line definition, and `scripts/…`
//!   must be executable files.
//! - The block preceded by `<!-- readme-test: synopsis -->` is the command
//!   summary: every subcommand and flag it names must exist, and every
//!   subcommand of the binary must be in it.
//! - A ```` ```toml ```` block is a fragment of `complaintd.toml`: each of its
//!   tables must read as the config's own type, with no unknown key.
//!
//! Any other fenced block that holds a `complaintd` command fails the test,
//! so a new example cannot escape it.

use clap::{CommandFactory, Parser};
use complaintd::cli::Cli;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the HTML comment before a fenced block asks of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    /// No comment: run it (console blocks) or refuse it (others with commands).
    None,
    /// Only parse its commands.
    ParseOnly,
    /// The command summary.
    Synopsis,
}

/// A fenced block: its language, its lines, the mark before it, and the
/// README line it starts on (for messages).
#[derive(Debug)]
struct Block {
    lang: String,
    lines: Vec<String>,
    mark: Mark,
    line: usize,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("read README.md")
}

/// The fenced blocks of a Markdown text, each with the `readme-test` mark
/// on the last non-blank line before it, if any.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut last_text = String::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match &mut open {
            Some(b) => {
                if trimmed.starts_with("```") {
                    out.extend(open.take());
                    // A mark belongs to the one block right after it.
                    last_text.clear();
                } else {
                    b.lines.push(line.to_string());
                }
            }
            None if trimmed.starts_with("```") => {
                let mark = match last_text.strip_prefix("<!-- readme-test:") {
                    Some(rest) if rest.trim_start().starts_with("parse-only") => Mark::ParseOnly,
                    Some(rest) if rest.trim_start().starts_with("synopsis") => Mark::Synopsis,
                    Some(rest) => panic!("README.md line {i}: unknown readme-test mark {rest:?}"),
                    None => Mark::None,
                };
                open = Some(Block {
                    lang: trimmed.trim_start_matches('`').trim().to_string(),
                    lines: Vec::new(),
                    mark,
                    line: i + 1,
                });
            }
            None if !trimmed.is_empty() => last_text = trimmed.to_string(),
            None => {}
        }
    }
    assert!(open.is_none(), "README.md ends inside a fenced block");
    out
}

/// A shell line's words, without a trailing `# comment`. The examples need
/// no quoting; one that does must teach this function first.
fn words(command: &str) -> Vec<String> {
    let without_comment = match command.find(" #") {
        Some(at) => &command[..at],
        None => command,
    };
    assert!(
        !without_comment.contains(['"', '\'', '\\', '$', '|', ';', '&', '>', '<']),
        "README example {command:?} needs a shell; tests/readme.rs splits on spaces only"
    );
    without_comment
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A console block as (command, expected output lines) pairs.
fn sessions(b: &Block) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in &b.lines {
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.push((cmd.to_string(), Vec::new()));
        } else {
            match out.last_mut() {
                Some((_, expected)) => expected.push(line.trim_end().to_string()),
                None => panic!(
                    "README.md line {}: output {line:?} before any `$ ` command",
                    b.line
                ),
            }
        }
    }
    out
}

/// The complaintd arguments of an example, if it runs complaintd (directly
/// or through `cargo run … --`).
fn complaintd_args(words: &[String]) -> Option<Vec<String>> {
    match words.first().map(String::as_str) {
        Some("complaintd") => Some(words[1..].to_vec()),
        Some("cargo") if words.get(1).map(String::as_str) == Some("run") => {
            let at = words.iter().position(|w| w == "--")?;
            Some(words[at + 1..].to_vec())
        }
        _ => None,
    }
}

fn parses(args: &[String]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("complaintd".to_string()).chain(args.iter().cloned()))
}

#[test]
fn console_examples_print_what_the_readme_shows() {
    let mut ran = Vec::new();
    for b in blocks(&readme()) {
        if b.lang != "console" || b.mark != Mark::None {
            continue;
        }
        for (cmd, expected) in sessions(&b) {
            let w = words(&cmd);
            assert_eq!(
                w.first().map(String::as_str),
                Some("complaintd"),
                "README.md line {}: only complaintd examples can be run; mark the block parse-only",
                b.line
            );
            let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
                .args(&w[1..])
                .current_dir(root())
                // The check example shows the warning for an unset secret.
                .env_remove("COMPLAINTD_SECRET")
                .output()
                .expect("run complaintd");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let got: Vec<&str> = stdout.lines().map(str::trim_end).collect();
            assert!(
                out.status.success(),
                "README.md line {}: `{cmd}` failed: {}{}",
                b.line,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                got, expected,
                "README.md line {}: `{cmd}` prints something else than the README shows",
                b.line
            );
            ran.push(cmd);
        }
    }
    // The calendar example once drifted (it said 2027-01-07): it must be run.
    assert!(
        ran.iter()
            .any(|c| c.contains("calendar add-working-days") && c.contains("scotland")),
        "the Scottish calendar example was not run: {ran:?}"
    );
    assert!(ran.len() >= 3, "too few examples ran: {ran:?}");
}

#[test]
fn examples_that_need_a_server_or_an_installation_still_parse() {
    let mut parsed = 0;
    for b in blocks(&readme()) {
        if b.mark != Mark::ParseOnly {
            continue;
        }
        for (cmd, expected) in sessions(&b) {
            assert!(
                expected.iter().all(|l| l.trim().is_empty()),
                "README.md line {}: a parse-only example shows output it is never compared with",
                b.line
            );
            let w = words(&cmd);
            if let Some(args) = complaintd_args(&w) {
                if let Err(e) = parses(&args) {
                    panic!("README.md line {}: `{cmd}` does not parse:\n{e}", b.line);
                }
                parsed += 1;
            } else if let Some(script) = w.first().filter(|w| w.starts_with("scripts/")) {
                let path = root().join(script);
                assert!(
                    is_executable(&path),
                    "README.md line {}: {script} is not an executable file",
                    b.line
                );
            } else {
                panic!(
                    "README.md line {}: `{cmd}` is neither complaintd nor a script; teach tests/readme.rs",
                    b.line
                );
            }
        }
    }
    assert!(parsed >= 4, "too few parse-only examples: {parsed}");
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[test]
fn no_command_example_escapes_the_checks() {
    for b in blocks(&readme()) {
        let has_command = b.lines.iter().any(|l| {
            let l = l.trim_start().trim_start_matches("$ ");
            l.starts_with("complaintd ") || l.starts_with("cargo run")
        });
        if !has_command || b.mark != Mark::None {
            continue;
        }
        assert_eq!(
            b.lang, "console",
            "README.md line {}: a command example must be a console block (`$ command` and its output) or be marked parse-only",
            b.line
        );
        assert!(
            b.lines.first().is_some_and(|l| l.starts_with("$ ")),
            "README.md line {}: a console block starts with `$ command`",
            b.line
        );
    }
}

/// One line of the summary: the words before the description (two or more
/// spaces apart from it).
fn usage_part(line: &str) -> &str {
    let body = line.trim_start();
    match body.find("  ") {
        Some(at) => &body[..at],
        None => body,
    }
}

/// The long flags a usage names (`--json`, `[--now T]` …).
fn flags(usage: &str) -> Vec<String> {
    usage
        .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .map(str::to_string)
        .collect()
}

/// `list|show ID|replay ID` as its alternatives; a `|` inside brackets
/// (`[--nation a|b]`) separates values, not subcommands.
fn alternatives(usage: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in usage.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&usage[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&usage[start..]);
    out
}

fn has_flag(cmd: &clap::Command, name: &str) -> bool {
    name == "config" || cmd.get_arguments().any(|a| a.get_long() == Some(name))
}

#[test]
fn the_command_summary_matches_the_binary() {
    let synopsis = blocks(&readme())
        .into_iter()
        .find(|b| b.mark == Mark::Synopsis)
        .expect("README.md has a block marked <!-- readme-test: synopsis -->");
    let cli = Cli::command();
    let mut lines = synopsis.lines.iter().filter(|l| !l.trim().is_empty());
    let head = lines.next().expect("the summary's first line");
    assert!(
        head.starts_with("complaintd [--config FILE] <command>"),
        "{head}"
    );
    let mut named: Vec<(String, Option<String>)> = Vec::new();
    let mut checked_values = 0;
    for line in lines {
        let usage = usage_part(line);
        let mut w = usage.split_whitespace();
        let name = w.next().expect("a subcommand");
        let sub = cli
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("the README names `{name}`, which the binary lacks"));
        if sub.has_subcommands() {
            // `quarantine list|show ID|replay ID`, `cases show REF [--json]`.
            let rest: Vec<&str> = usage.split_whitespace().skip(1).collect();
            for alternative in alternatives(&rest.join(" ")) {
                let inner = alternative.split_whitespace().next().unwrap_or("");
                let Some(subsub) = sub.find_subcommand(inner) else {
                    panic!("the README names `{name} {inner}`, which the binary lacks");
                };
                for f in flags(alternative) {
                    assert!(
                        has_flag(subsub, &f),
                        "`{name} {inner}` has no --{f} (README: {usage})"
                    );
                }
                named.push((name.to_string(), Some(inner.to_string())));
            }
        } else {
            for f in flags(usage) {
                assert!(has_flag(sub, &f), "`{name}` has no --{f} (README: {usage})");
            }
            named.push((name.to_string(), None));
        }
        // Values offered as `a|b|c` after a flag are each accepted.
        for (flag, values) in usage
            .split(['[', ']'])
            .filter_map(|part| part.trim().strip_prefix("--"))
            .filter_map(|part| part.split_once(' '))
            .filter(|(_, v)| v.contains('|'))
        {
            let target = if sub.has_subcommands() {
                usage.split_whitespace().nth(1).unwrap_or("")
            } else {
                ""
            };
            for v in values.split('|') {
                let arg = sub
                    .get_subcommands()
                    .find(|s| s.get_name() == target)
                    .unwrap_or(sub)
                    .get_arguments()
                    .find(|a| a.get_long() == Some(flag))
                    .unwrap_or_else(|| panic!("`{name}` has no --{flag}"));
                // The flag alone, with the binary's own parser for its value.
                let parsed = clap::Command::new("value")
                    .arg(arg.clone())
                    .try_get_matches_from(["value", &format!("--{flag}"), v]);
                assert!(
                    parsed.is_ok(),
                    "--{flag} does not accept {v:?} (README: {usage})"
                );
                checked_values += 1;
            }
        }
    }
    assert!(checked_values >= 3, "the --nation values were not checked");
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        if sub.has_subcommands() {
            for inner in sub.get_subcommands().filter(|s| s.get_name() != "help") {
                assert!(
                    named.contains(&(name.to_string(), Some(inner.get_name().to_string()))),
                    "`{name} {}` is missing from the README's command summary",
                    inner.get_name()
                );
            }
        } else {
            assert!(
                named.contains(&(name.to_string(), None)),
                "`{name}` is missing from the README's command summary"
            );
        }
    }
}

#[test]
fn the_parser_of_this_test_finds_what_it_must() {
    // The checks above are only as good as the block parser: a README with
    // each kind of block is read as such.
    let text = "intro\n\n<!-- readme-test: parse-only (x) -->\n```console\n$ complaintd tick\n```\n\n```console\n$ complaintd calendar add-working-days --from 2026-01-01 --days 0\n2026-01-02\n```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].mark, Mark::ParseOnly);
    assert_eq!(b[1].mark, Mark::None);
    assert_eq!(
        sessions(&b[1]),
        vec![(
            "complaintd calendar add-working-days --from 2026-01-01 --days 0".to_string(),
            vec!["2026-01-02".to_string()]
        )]
    );
    assert_eq!(
        words("complaintd tick   # every 5 minutes"),
        ["complaintd", "tick"]
    );
    assert!(parses(&["tick".into(), "--bogus".into()]).is_err());
    assert_eq!(flags("cases list [--json] [--state S]"), ["json", "state"]);
    assert_eq!(
        alternatives("list|show ID|replay ID [--x a|b]"),
        ["list", "show ID", "replay ID [--x a|b]"]
    );
}

#[test]
fn config_examples_are_valid_tables_of_the_config() {
    // A TOML example is a fragment of complaintd.toml: each of its tables
    // must read as the config's own type, with no unknown key.
    let mut checked = 0;
    for b in blocks(&readme()).into_iter().filter(|b| b.lang == "toml") {
        let table: toml::Table = toml::from_str(&b.lines.join("\n"))
            .unwrap_or_else(|e| panic!("README.md line {}: not TOML: {e}", b.line));
        for (key, value) in table {
            let read = match key.as_str() {
                "mailbox" => value
                    .try_into::<Vec<complaintd::config::MailboxConfig>>()
                    .map(|_| ()),
                "outbox" => value
                    .try_into::<complaintd::config::OutboxConfig>()
                    .map(|_| ()),
                "alerts" => value
                    .try_into::<complaintd::config::AlertsConfig>()
                    .map(|_| ()),
                "observe" => value
                    .try_into::<complaintd::config::ObserveConfig>()
                    .map(|_| ()),
                "instances" => value
                    .try_into::<complaintd::config::InstancesConfig>()
                    .map(|_| ()),
                "store" => value
                    .try_into::<complaintd::config::StoreConfig>()
                    .map(|_| ()),
                // A fragment of [organisation] (its `languages`, say): read
                // with the keys every organisation has filled in.
                "organisation" => {
                    let mut t = value.as_table().cloned().unwrap_or_default();
                    for (k, v) in [
                        ("name", toml::Value::from("Example")),
                        ("addresses", toml::Value::from(vec!["a@example.test"])),
                        ("reply_address", toml::Value::from("a@example.test")),
                    ] {
                        t.entry(k).or_insert(v);
                    }
                    toml::Value::Table(t)
                        .try_into::<complaintd::config::Organisation>()
                        .map(|_| ())
                }
                other => panic!(
                    "README.md line {}: teach tests/readme.rs the [{other}] table",
                    b.line
                ),
            };
            if let Err(e) = read {
                panic!("README.md line {}: [{key}] does not read: {e}", b.line);
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the OAuth2 example's tables were not all read"
    );
}
