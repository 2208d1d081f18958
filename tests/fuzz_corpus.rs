//! Every fuzz target's body over its seed corpus and its saved findings, as an
//! ordinary test: no libFuzzer, no instrumented build, so CI stays fast and a
//! fixed panic cannot come back unnoticed.
//!
//! The folders come from `fuzz/seeds.txt` (the same list `scripts/fuzz` hands
//! to libFuzzer); findings are `fuzz/regressions/<target>/*`. The bodies are
//! `complaintd::fuzzing`.

use complaintd::fuzzing::TARGETS;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fuzz/seeds.txt` as target → seed folders.
fn seed_folders() -> BTreeMap<String, Vec<PathBuf>> {
    let list = std::fs::read_to_string(root().join("fuzz/seeds.txt")).expect("fuzz/seeds.txt");
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (target, dirs) = l.split_once(':').expect("a line is `target: folders`");
            let dirs = dirs.split_whitespace().map(|d| root().join(d)).collect();
            (target.trim().to_string(), dirs)
        })
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_wrapper_and_seeds() {
    let seeds = seed_folders();
    for (name, _) in TARGETS {
        let wrapper = root().join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&wrapper)
            .unwrap_or_else(|e| panic!("{}: {e}", wrapper.display()));
        assert!(
            text.contains(&format!("complaintd::fuzzing::{name}(data)")),
            "{} must hand its bytes to complaintd::fuzzing::{name}",
            wrapper.display()
        );
        let dirs = seeds
            .get(*name)
            .unwrap_or_else(|| panic!("fuzz/seeds.txt has no line for {name}"));
        for d in dirs {
            assert!(
                !files_in(d).is_empty(),
                "seed folder {} for {name} is empty or missing",
                d.display()
            );
        }
    }
    for name in seeds.keys() {
        assert!(
            TARGETS.iter().any(|(t, _)| t == name),
            "fuzz/seeds.txt names {name}, which is not in complaintd::fuzzing::TARGETS"
        );
    }
}

#[test]
fn no_target_panics_on_its_seeds_or_saved_findings() {
    let seeds = seed_folders();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, body) in TARGETS {
        let mut dirs = seeds.get(*name).cloned().unwrap_or_default();
        dirs.push(root().join("fuzz/regressions").join(name));
        for file in dirs.iter().flat_map(|d| files_in(d)) {
            let data = std::fs::read(&file).expect("readable corpus file");
            ran += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(&data))) {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{name} panicked on {}: {why}", file.display()));
            }
        }
    }
    assert!(ran > 100, "only {ran} corpus inputs found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The config seeds are the example configs with their policies, joined by
/// the separator the config target splits on: a change to the examples must
/// reach the fuzzer's starting point too.
#[test]
fn config_seeds_are_the_examples() {
    for p in ["a", "b"] {
        let read = |f: &str| std::fs::read_to_string(root().join(f)).expect(f);
        let expected = format!(
            "{}\n{}\n{}",
            read(&format!("examples/provider-{p}/complaintd.toml")),
            complaintd::fuzzing::POLICY_SEPARATOR,
            read(&format!("examples/provider-{p}/policy.toml")),
        );
        assert_eq!(
            read(&format!("fuzz/seeds/config/provider-{p}.toml")),
            expected,
            "regenerate fuzz/seeds/config/provider-{p}.toml from examples/provider-{p}/"
        );
    }
}
