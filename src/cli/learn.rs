//! `complaintd classify --train | --learn | --cv`: fit the learned layer of
//! the classifier and measure what it adds.

use crate::core::classify::{self, Hints};
use crate::core::kind::{Flag, Kind};
use crate::core::learned::{self, Doc, Learned, Record, TrainOptions};
use crate::core::mail::{self, InboundMail};
use crate::core::text::cut_bytes;
use crate::store::Corrected;
use anyhow::{anyhow, Context};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use strum::IntoEnumIterator;

/// The labelled corpora in the repository, used when `--corpus` is not given.
pub const DEFAULT_CORPORA: [&str; 17] = [
    "tests/data/classify",
    "tests/data/shared-corpus",
    "tests/data/blind/triage-1",
    "tests/data/blind/triage-2",
    "tests/data/blind/triage-3",
    "tests/data/blind/triage-4",
    "tests/data/blind/triage-5",
    "tests/data/blind/triage-7",
    "tests/data/blind/triage-8",
    "tests/data/blind/triage-9",
    "tests/data/blind/triage-10",
    "tests/data/blind/triage-11",
    "tests/data/blind/triage-13",
    "tests/data/blind/triage-14",
    "tests/data/blind/triage-16",
    "tests/data/blind/triage-17",
    "tests/data/train",
];

/// What the learned layer reads of a parsed message: exactly what the
/// classifier gives it.
pub fn doc_of(m: &InboundMail) -> Doc {
    let p = classify::parts(m);
    classify::learned_doc(
        &m.subject,
        cut_bytes(&p.new, classify::CLASSIFY_MAX_BYTES),
        cut_bytes(&p.forwarded, classify::CLASSIFY_MAX_BYTES),
        cut_bytes(&p.attached, classify::CLASSIFY_MAX_BYTES),
        m.from.as_ref().is_some_and(|f| f.name.is_some()),
    )
}

/// One labelled message of a corpus folder.
struct Labelled {
    source: String,
    kind: Kind,
    flags: BTreeSet<Flag>,
    mail: InboundMail,
}

fn read_corpus(dir: &Path) -> anyhow::Result<Vec<Labelled>> {
    let labels = dir.join("labels.jsonl");
    let text =
        std::fs::read_to_string(&labels).with_context(|| format!("read {}", labels.display()))?;
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}: line {}", labels.display(), n + 1);
        let v: Value = serde_json::from_str(line).with_context(at)?;
        let file = v["file"]
            .as_str()
            .ok_or_else(|| anyhow!("{}: no file", at()))?;
        let kind: Kind = v["kind"]
            .as_str()
            .ok_or_else(|| anyhow!("{}: no kind", at()))?
            .parse()
            .with_context(at)?;
        let mut flags = BTreeSet::new();
        for f in v["flags"].as_array().into_iter().flatten() {
            let name = f
                .as_str()
                .ok_or_else(|| anyhow!("{}: a flag is not a string", at()))?;
            flags.insert(name.parse::<Flag>().with_context(at)?);
        }
        let path = dir.join(file);
        let raw = std::fs::read(&path).with_context(|| format!("read {}", path.display()))?;
        let mail = mail::parse(&raw).with_context(|| format!("parse {}", path.display()))?;
        out.push(Labelled {
            source: format!("{folder}/{file}"),
            kind,
            flags,
            mail,
        });
    }
    Ok(out)
}

fn corpora(dirs: &[PathBuf]) -> anyhow::Result<Vec<Labelled>> {
    let dirs: Vec<PathBuf> = if dirs.is_empty() {
        DEFAULT_CORPORA
            .iter()
            .map(PathBuf::from)
            .filter(|d| d.join("labels.jsonl").exists())
            .collect()
    } else {
        dirs.to_vec()
    };
    if dirs.is_empty() {
        return Err(anyhow!(
            "no corpus: give --corpus DIR (a folder with labels.jsonl and .eml files), or run from the repository"
        ));
    }
    let mut all = Vec::new();
    for d in &dirs {
        all.extend(read_corpus(d)?);
    }
    Ok(all)
}

fn record(l: &Labelled) -> Record {
    Record {
        source: l.source.clone(),
        kind: Some(l.kind),
        flags: l.flags.iter().copied().collect(),
        unflags: Vec::new(),
        all_flags: true,
        doc: doc_of(&l.mail),
    }
}

/// Person mail only: the learned layer never sees machine mail (screening
/// decides that first).
fn person(records: &[Record]) -> Vec<learned::Example> {
    records
        .iter()
        .filter(|r| r.kind.is_some_and(|k| !k.is_machine()))
        .map(|r| r.example(1.0))
        .collect()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// `classify --train`: fit the shipped model on labelled folders and write
/// it with the corpus it was fitted on (`corpus.jsonl` beside it).
pub(super) fn train_cmd(corpus: &[PathBuf], out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let all = corpora(corpus)?;
    let mut records: Vec<Record> = all
        .iter()
        .filter(|l| !l.kind.is_machine())
        .map(record)
        .collect();
    records.sort_by(|a, b| a.source.cmp(&b.source));
    let examples = person(&records);
    let started = std::time::Instant::now();
    let model = learned::train(&examples, &TrainOptions::default());
    let out = out.map_or_else(|| PathBuf::from("model/classifier.bin"), Path::to_path_buf);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let bytes = model.to_bytes();
    write_atomically(&out, &bytes)?;
    let corpus_file = out.with_file_name("corpus.jsonl");
    let mut lines = String::new();
    for r in &records {
        lines.push_str(&serde_json::to_string(r)?);
        lines.push('\n');
    }
    write_atomically(&corpus_file, lines.as_bytes())?;
    crate::outln!(
        "trained on {} person messages in {:.1?}: {} ({} bytes) and {}",
        examples.len(),
        started.elapsed(),
        out.display(),
        bytes.len(),
        corpus_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `classify --learn`: refit on the shipped corpus plus the organisation's
/// corrections, and write the model where the daemon loads it at start.
pub(super) async fn learn_cmd(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = config.ok_or_else(|| anyhow!("classify --learn needs --config FILE"))?;
    let loaded = crate::config::load(path)?;
    let store = crate::app::open_store(&loaded).await?;
    let corrections = store.corrections().await?;
    store.close().await;
    let mut shipped = learned::parse_corpus(learned::SHIPPED_CORPUS)
        .map_err(|e| anyhow!("the shipped corpus: {e}"))?;
    shipped.retain(|r| r.kind.is_some_and(|k| !k.is_machine()));
    // Latest word per message wins: a handler who corrects a correction
    // means the second.
    let mut by_message: BTreeMap<i64, Record> = BTreeMap::new();
    let mut unreadable = 0usize;
    for c in &corrections {
        // An anonymised case's messages have no bytes left (retention,
        // erasure): nothing to learn from, and nothing to count as unreadable.
        if c.raw.is_empty() {
            continue;
        }
        let Ok(m) = mail::parse(&c.raw) else {
            unreadable += 1;
            continue;
        };
        let r = by_message.entry(c.message_row).or_insert_with(|| Record {
            source: c.case_ref.clone(),
            kind: None,
            flags: Vec::new(),
            unflags: Vec::new(),
            all_flags: false,
            doc: doc_of(&m),
        });
        match c.corrected {
            Corrected::Kind(k) => r.kind = Some(k),
            Corrected::Flag(f, set) => {
                r.flags.retain(|x| *x != f);
                r.unflags.retain(|x| *x != f);
                if set {
                    r.flags.push(f);
                } else {
                    r.unflags.push(f);
                }
            }
        }
    }
    let mut examples: Vec<learned::Example> = shipped.iter().map(|r| r.example(1.0)).collect();
    examples.extend(
        by_message
            .values()
            .map(|r| r.example(learned::CORRECTION_WEIGHT)),
    );
    let model = learned::train(&examples, &TrainOptions::default());
    let out = loaded.model_path();
    write_atomically(&out, &model.to_bytes())?;
    crate::outln!(
        "learned from {} shipped examples and {} corrected message(s) ({} correction(s){}): wrote {}; a running daemon reads it when restarted",
        shipped.len(),
        by_message.len(),
        corrections.len(),
        if unreadable > 0 {
            format!(", {unreadable} unreadable message(s) skipped")
        } else {
            String::new()
        },
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Counts for the figures.
#[derive(Default)]
struct Tally {
    /// (labelled, predicted) → count.
    confusion: BTreeMap<(Kind, Kind), usize>,
    /// flag → (labelled, caught, raised).
    flags: BTreeMap<Flag, (usize, usize, usize)>,
    /// Complaints, and those caught as complaint or triage.
    caught: (usize, usize),
    /// Compliments, comments and enquiries, and those in triage.
    triaged: (usize, usize),
}

impl Tally {
    fn add(&mut self, l: &Labelled, c: &classify::Classification) {
        *self.confusion.entry((l.kind, c.kind)).or_default() += 1;
        if l.kind == Kind::Complaint {
            self.caught.0 += 1;
            self.caught.1 += usize::from(c.kind == Kind::Complaint || c.triage);
        } else if !l.kind.is_machine() {
            self.triaged.0 += 1;
            self.triaged.1 += usize::from(c.triage);
        }
        for f in learned::FLAGS {
            let e = self.flags.entry(f).or_default();
            if l.flags.contains(&f) {
                e.0 += 1;
                if c.flags.contains(&f) {
                    e.1 += 1;
                }
            }
            if c.flags.contains(&f) {
                e.2 += 1;
            }
        }
    }

    fn count(&self, f: impl Fn(Kind, Kind) -> bool) -> usize {
        self.confusion
            .iter()
            .filter(|((l, p), _)| f(*l, *p))
            .map(|(_, n)| n)
            .sum()
    }

    /// (precision, recall, F1) of a kind; None if it occurs nowhere.
    fn prf(&self, k: Kind) -> Option<(f64, f64, f64)> {
        let tp = self.count(|l, p| l == k && p == k) as f64;
        let labelled = self.count(|l, _| l == k) as f64;
        let predicted = self.count(|_, p| p == k) as f64;
        if labelled + predicted == 0.0 {
            return None;
        }
        let p = if predicted > 0.0 { tp / predicted } else { 0.0 };
        let r = if labelled > 0.0 { tp / labelled } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        Some((p, r, f))
    }

    fn macro_f1(&self) -> f64 {
        let f: Vec<f64> = Kind::iter()
            .filter_map(|k| self.prf(k))
            .map(|x| x.2)
            .collect();
        f.iter().sum::<f64>() / f.len().max(1) as f64
    }

    fn flag_recall(&self) -> (usize, usize) {
        self.flags
            .values()
            .fold((0, 0), |a, v| (a.0 + v.1, a.1 + v.0))
    }
}

/// `classify --cv`: k-fold cross-validation on labelled folders, the
/// lexicon alone against the lexicon with the learned layer trained on the
/// other folds. The lexicon was written from these corpora, so its figures
/// here are training figures; the learned layer's are held-out ones.
pub(super) fn cv_cmd(corpus: &[PathBuf], folds: usize, hints: &Hints) -> anyhow::Result<ExitCode> {
    let folds = folds.max(2);
    let all = corpora(corpus)?;
    let records: Vec<Record> = all.iter().map(record).collect();
    let started = std::time::Instant::now();
    let mut before = Tally::default();
    let mut after = Tally::default();
    let lexicon = Hints {
        learned: Learned::Off,
        ..hints.clone()
    };
    for l in &all {
        before.add(l, &classify::classify(&l.mail, &lexicon));
    }
    for fold in 0..folds {
        let train: Vec<Record> = records
            .iter()
            .enumerate()
            .filter(|(n, _)| learned::fold_of(*n, folds) != fold)
            .map(|(_, r)| r.clone())
            .collect();
        let model = learned::train(&person(&train), &TrainOptions::default());
        let with = Hints {
            learned: Learned::Model(Arc::new(model)),
            ..hints.clone()
        };
        for (n, l) in all.iter().enumerate() {
            if learned::fold_of(n, folds) == fold {
                after.add(l, &classify::classify(&l.mail, &with));
            }
        }
    }
    crate::outln!(
        "{} labelled messages, {folds}-fold cross-validation ({:.1?})",
        all.len(),
        started.elapsed()
    );
    crate::outln!(
        "{:<12} {:>4}  {:>17}  {:>17}",
        "kind",
        "n",
        "lexicon P/R/F1",
        "+learned P/R/F1"
    );
    for k in Kind::iter() {
        let n = before.count(|l, _| l == k);
        let show = |t: &Tally| {
            t.prf(k)
                .map_or("-".to_string(), |(p, r, f)| format!("{p:.2} {r:.2} {f:.2}"))
        };
        crate::outln!(
            "{:<12} {n:>4}  {:>17}  {:>17}",
            k.as_str(),
            show(&before),
            show(&after)
        );
    }
    crate::outln!(
        "{:<12} {:>4}  {:>17.3}  {:>17.3}",
        "macro-F1",
        all.len(),
        before.macro_f1(),
        after.macro_f1()
    );
    let share = |v: (usize, usize)| format!("{:.3}", v.1 as f64 / v.0.max(1) as f64);
    crate::outln!(
        "{:<12} {:>4}  {:>17}  {:>17}",
        "caught",
        before.caught.0,
        share(before.caught),
        share(after.caught)
    );
    crate::outln!(
        "{:<12} {:>4}  {:>17}  {:>17}",
        "in-triage",
        before.triaged.0,
        share(before.triaged),
        share(after.triaged)
    );
    crate::outln!(
        "{:<12} {:>4}  {:>17}  {:>17}",
        "flag",
        "n",
        "lexicon R (raised)",
        "+learned R (raised)"
    );
    for f in learned::FLAGS {
        let b = before.flags.get(&f).copied().unwrap_or_default();
        let a = after.flags.get(&f).copied().unwrap_or_default();
        let show = |v: (usize, usize, usize)| {
            if v.0 == 0 {
                format!("- ({})", v.2)
            } else {
                format!("{:.2} ({})", v.1 as f64 / v.0 as f64, v.2)
            }
        };
        crate::outln!(
            "{:<12} {:>4}  {:>17}  {:>17}",
            f.as_str(),
            b.0,
            show(b),
            show(a)
        );
    }
    let (bc, bn) = before.flag_recall();
    let (ac, an) = after.flag_recall();
    crate::outln!(
        "{:<12} {:>4}  {:>17}  {:>17}",
        "all flags",
        bn,
        format!("{:.2}", bc as f64 / bn.max(1) as f64),
        format!("{:.2}", ac as f64 / an.max(1) as f64)
    );
    Ok(ExitCode::SUCCESS)
}
