//! Fuzz target bodies: one function per target, each taking the raw bytes a
//! fuzzer (or a saved corpus file) supplies and driving one path that reads
//! outside data.
//!
//! They live here, in the normally compiled library, rather than in
//! `fuzz/fuzz_targets/`, so that the same bodies run in two ways: under
//! `cargo fuzz` (the files in `fuzz/fuzz_targets/` are one-line wrappers; see
//! `scripts/fuzz`), and as an ordinary test (`tests/fuzz_corpus.rs`) over
//! every seed and saved finding, without an instrumented build. A body must
//! not panic on any input: a panic is the finding.
//!
//! The inputs are outside data in the form it arrives: a raw message for the
//! mail paths, text for the paths that read a reply's text, TOML for the
//! config. [`TARGETS`] lists them all for the corpus test.

use crate::config;
use crate::config::check;
use crate::core::reference::CaseRef;
use crate::core::token::Secret;
use crate::core::{
    auth, classify, commands, directory, extract, intent, mail, quote, screen, text, threading,
};
use std::path::Path;

/// One fuzz target: its name (the file name in `fuzz/fuzz_targets/` and the
/// corpus folder `fuzz/corpus/<name>/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("mime", mime),
    ("screen", screen),
    ("extract", extract),
    ("classify", classify),
    ("quote", quote),
    ("commands", commands),
    ("threading", threading),
    ("auth", auth),
    ("config", config),
];

/// The line that separates the config from the policy in a `config` input.
pub const POLICY_SEPARATOR: &str = "#--- policy.toml ---";

/// A fixed key for the paths that check MACs (the same key the corpus seeds
/// were issued with, so issued Message-IDs and tokens in seeds verify).
fn secret() -> Secret {
    Secret::new(b"complaintd-fuzzing-key-not-a-real-secret-0123456789".to_vec())
}

fn own_addresses() -> Vec<String> {
    vec![
        "complaints@org.test".to_string(),
        "info@org.test".to_string(),
    ]
}

fn hints() -> classify::Hints {
    classify::Hints {
        subcontractors: vec!["Pennine Skills Partnership".to_string()],
        handler_names: vec!["Megan Hughes".to_string(), "Dr Owen Price".to_string()],
        own_addresses: own_addresses(),
        learned: Default::default(),
    }
}

fn staff() -> directory::Directory {
    directory::Directory::new(vec![
        directory::Person {
            name: "Megan Hughes".into(),
            email: "megan@org.test".into(),
            roles: vec!["manager".into()],
            phone: None,
        },
        directory::Person {
            name: "Owen Price".into(),
            email: "owen@org.test".into(),
            roles: vec!["directors".into()],
            phone: None,
        },
    ])
}

/// MIME parsing of raw bytes into an `InboundMail`, and the HTML-to-text
/// conversion it relies on (run directly on the bytes as well).
pub fn mime(data: &[u8]) {
    if let Ok(m) = mail::parse(data) {
        // Every accessor the rest of the daemon uses on a parsed message.
        let _ = m.header("auto-submitted");
        let _ = m.from.as_ref().map(|f| f.local_part().len());
    }
    let s = String::from_utf8_lossy(data);
    let _ = text::html_to_text(&s);
    let _ = text::normalise(&s);
}

/// Reading attachments' text: the bytes as a PDF and as a Word `.docx`,
/// within the ingest budget (encrypted, truncated, bombs: never a panic).
pub fn extract(data: &[u8]) {
    for doc in [extract::DocType::Pdf, extract::DocType::Docx] {
        let _ = extract::extract("fuzz", doc, data, &extract::BUDGET);
    }
}

/// Screening for machine mail (bounces, auto-replies, bulk, our own).
pub fn screen(data: &[u8]) {
    if let Ok(m) = mail::parse(data) {
        let _ = screen::screen(&m, &own_addresses());
    }
}

/// Classification of a raw message, as ingest does it (split, then classify).
pub fn classify(data: &[u8]) {
    if let Ok(m) = mail::parse(data) {
        let parts = classify::parts(&m);
        let _ = classify::classify_parts(&m, &parts, &hints());
        let _ = staff().mentioned_in(&parts.new);
    }
}

/// Quote stripping on reply text (the bytes read as UTF-8, lossily).
pub fn quote(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let split = quote::split(&s);
    let _ = quote::reply_text(&split.new);
}

/// Command parsing on a handler's newly written text, and the reading of a
/// complainant's reply (satisfied, consent, permission…).
pub fn commands(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = commands::parse(&s);
    let new = quote::split(&s).new;
    let parsed = commands::parse(&new);
    let _ = parsed.has_commands();
    for (responded, asked_permission, awaiting_consent, survey_asked) in [
        (false, false, false, false),
        (true, false, false, false),
        (false, true, false, false),
        (false, false, true, false),
        (true, false, false, true),
    ] {
        let _ = intent::read_reply(
            &new,
            &intent::ReplyContext {
                responded,
                asked_permission,
                awaiting_consent,
                survey_asked,
            },
        );
    }
}

/// Threading a raw message to a case: issued Message-IDs, plus-addresses,
/// subject tags, handler tokens, and the search of a bounce's body.
pub fn threading(data: &[u8]) {
    let key = secret();
    let prefixes = vec!["CMP".to_string(), "FB".to_string()];
    let _ = threading::issued_id_in_raw(data, &key);
    let Ok(m) = mail::parse(data) else { return };
    let t = threading::thread(&m, &key, &prefixes);
    let _ = threading::strip_prefixes(&m.subject);
    let _ = threading::subject_tag(&m.subject, &[]);
    for r in &m.recipients {
        if let Some((case, token)) = threading::plus_address(&r.address) {
            let _ = threading::make_plus_address(&r.address, &case, token.as_deref());
        }
        let _ = key.verify_message_id(&r.address);
    }
    for id in m.in_reply_to.iter().chain(&m.references) {
        let _ = key.verify_message_id(id);
        let _ = id.parse::<CaseRef>();
    }
    if let (Some(case), Some(token), Some(from)) = (&t.case, &t.token, &m.from) {
        let _ = key.verify_handler_token(case, &from.address, token);
    }
}

/// `Authentication-Results` reading: on the parsed message, and on each line
/// of the input taken as one header value (so the fuzzer reaches the header
/// grammar without first having to build a whole message): the parser, the
/// choice of the fields that count, and the verdict.
pub fn auth(data: &[u8]) {
    let trusted = vec!["mx.org.test".to_string(), "mail.org.test".to_string()];
    if let Ok(m) = mail::parse(data) {
        let _ = auth::sender_authenticated(&m, &trusted);
    }
    let s = String::from_utf8_lossy(data);
    for line in s.lines() {
        if let Ok(r) = auth::parse(line) {
            for m in &r.results {
                let _ = m.prop("header.d");
            }
        }
    }
    // A line starting `Received:` is a Received field, so the rule "only the
    // topmost trusted run above the first Received" is reached as well.
    let headers: Vec<(String, String)> = s
        .lines()
        .map(|l| match l.strip_prefix("Received:") {
            Some(v) => ("received".to_string(), v.to_string()),
            None => ("authentication-results".to_string(), l.to_string()),
        })
        .collect();
    let _ = auth::trusted_results(&headers, &trusted);
    let m = mail::InboundMail {
        from: Some(mail::Mailbox {
            name: None,
            address: "sam@org.test".to_string(),
        }),
        headers,
        ..mail::InboundMail::default()
    };
    let _ = auth::sender_authenticated(&m, &trusted);
}

/// Config and policy loading: the input is a `complaintd.toml`, optionally
/// followed by [`POLICY_SEPARATOR`] and a `policy.toml`. Everything `check`
/// validates without reading other files runs on what parses.
pub fn config(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (config_text, policy_text) = s.split_once(POLICY_SEPARATOR).unwrap_or((s, ""));
    let path = Path::new("/nonexistent/complaintd.toml");
    let policy_path = Path::new("/nonexistent/policy.toml");
    let Ok(loaded) = config::from_texts(path, config_text, policy_path, policy_text) else {
        return;
    };
    let _ = loaded.calendar();
    let _ = loaded.hints();
    let _ = loaded.directory();
    let _ = loaded.policy.roles();
    let _ = loaded.policy.validate();
    for i in 0..loaded.policy.stages.len() + 1 {
        let _ = loaded.policy.stage(i);
    }
    let smtp = loaded
        .config
        .outbox
        .smtp
        .as_ref()
        .and_then(|s| s.oauth2.as_ref());
    let imap = loaded
        .config
        .mailboxes
        .iter()
        .filter_map(|m| m.imap.as_ref().and_then(|i| i.oauth2.as_ref()));
    for o in imap.chain(smtp) {
        let _ = o.problems();
        let _ = o.endpoint();
        let _ = o.scope();
    }
    let mut report = check::Report::default();
    check::check_policy(&loaded, &mut report);
}
