//! Measuring the classifier against labelled mail (`classify --eval DIR`):
//! per-kind and per-flag precision, recall and F1, accuracy, macro-F1 and
//! the confusion matrix, so an operator can measure on their own mail.
//!
//! Pure: the caller reads the files and classifies them; this module parses
//! the labels and counts.

use super::kind::{Flag, Kind};
use serde::Serialize;
use std::collections::BTreeSet;
use strum::IntoEnumIterator;

/// One labelled message: a line of `labels.jsonl`
/// (`{"file", "kind", "flags", "notes"}`; `notes` is for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// File name, relative to the labels' directory.
    pub file: String,
    /// The right kind.
    pub kind: Kind,
    /// The right flags.
    pub flags: BTreeSet<Flag>,
}

/// Why a labels file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LabelError {
    /// A line is not the JSON object the format expects.
    #[error("labels.jsonl line {line}: {why}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        why: String,
    },
    /// No labelled message at all.
    #[error("labels.jsonl has no labelled message")]
    Empty,
}

#[derive(serde::Deserialize)]
struct RawLabel {
    file: String,
    kind: String,
    #[serde(default)]
    flags: Vec<String>,
}

/// Parse `labels.jsonl`. Blank lines are skipped; anything else wrong is an
/// error naming the line (a silently skipped label would change the figures).
pub fn parse_labels(text: &str) -> Result<Vec<Label>, LabelError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |why: String| LabelError::Line { line: i + 1, why };
        let raw: RawLabel = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        if raw.file.trim().is_empty() || raw.file.contains("..") || raw.file.starts_with('/') {
            return Err(err(format!(
                "file {:?} is not a name inside the directory",
                raw.file
            )));
        }
        let kind: Kind = raw.kind.parse().map_err(|e| err(format!("{e}")))?;
        let mut flags = BTreeSet::new();
        for f in &raw.flags {
            flags.insert(f.parse::<Flag>().map_err(|e| err(format!("{e}")))?);
        }
        out.push(Label {
            file: raw.file,
            kind,
            flags,
        });
    }
    if out.is_empty() {
        return Err(LabelError::Empty);
    }
    Ok(out)
}

/// Counts and figures for one class (a kind or a flag).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Figures {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub r#fn: usize,
    /// tp / (tp + fp), 0 when nothing was predicted.
    pub precision: f64,
    /// tp / (tp + fn), 0 when nothing is labelled so.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// How many messages carry this label (tp + fn).
    pub support: usize,
}

impl Figures {
    fn from_counts(tp: usize, fp: usize, r#fn: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + r#fn);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Figures {
            tp,
            fp,
            r#fn,
            precision,
            recall,
            f1,
            support: tp + r#fn,
        }
    }

    /// Does the class occur at all (labelled or predicted)?
    pub fn occurs(&self) -> bool {
        self.tp + self.fp + self.r#fn > 0
    }
}

/// A message classified other than labelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Miss {
    /// The file.
    pub file: String,
    /// Its label.
    pub labelled: Kind,
    /// What the classifier said.
    pub classified: Kind,
}

/// The figures over a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Messages counted.
    pub messages: usize,
    /// Share classified as labelled.
    pub accuracy: f64,
    /// Mean F1 over the kinds that occur (labelled or predicted); a kind
    /// absent from both has no F1 and is left out rather than counted as 0 or 1.
    pub macro_f1: f64,
    /// How many kinds the macro-F1 averages over.
    pub macro_f1_kinds: usize,
    /// Per kind, in the order `Kind` declares.
    pub kinds: Vec<(Kind, Figures)>,
    /// Per flag, in the order `Flag` declares.
    pub flags: Vec<(Flag, Figures)>,
    /// All flags pooled (micro-averaged): "flags recall (all flags)".
    pub flags_all: Figures,
    /// `confusion[labelled][classified]`, indices in the order `Kind` declares.
    pub confusion: Vec<Vec<usize>>,
    /// The misclassified messages.
    pub misses: Vec<Miss>,
}

/// Count outcomes: each label with the kind and flags the classifier gave.
pub fn evaluate<'a>(
    outcomes: impl IntoIterator<Item = (&'a Label, Kind, &'a BTreeSet<Flag>)>,
) -> Report {
    let all_kinds: Vec<Kind> = Kind::iter().collect();
    let all_flags: Vec<Flag> = Flag::iter().collect();
    let index = |k: Kind| all_kinds.iter().position(|x| *x == k).unwrap_or(0);
    let mut confusion = vec![vec![0usize; all_kinds.len()]; all_kinds.len()];
    let mut flag_counts = vec![(0usize, 0usize, 0usize); all_flags.len()];
    let mut misses = Vec::new();
    let mut n = 0usize;
    for (label, kind, flags) in outcomes {
        n += 1;
        confusion[index(label.kind)][index(kind)] += 1;
        if kind != label.kind {
            misses.push(Miss {
                file: label.file.clone(),
                labelled: label.kind,
                classified: kind,
            });
        }
        for (i, f) in all_flags.iter().enumerate() {
            match (label.flags.contains(f), flags.contains(f)) {
                (true, true) => flag_counts[i].0 += 1,
                (false, true) => flag_counts[i].1 += 1,
                (true, false) => flag_counts[i].2 += 1,
                (false, false) => {}
            }
        }
    }
    let kinds: Vec<(Kind, Figures)> = all_kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let tp = confusion[i][i];
            let predicted: usize = confusion.iter().map(|row| row[i]).sum();
            let labelled: usize = confusion[i].iter().sum();
            (*k, Figures::from_counts(tp, predicted - tp, labelled - tp))
        })
        .collect();
    let present: Vec<f64> = kinds
        .iter()
        .filter(|(_, f)| f.occurs())
        .map(|(_, f)| f.f1)
        .collect();
    let correct: usize = (0..all_kinds.len()).map(|i| confusion[i][i]).sum();
    let flags: Vec<(Flag, Figures)> = all_flags
        .iter()
        .zip(&flag_counts)
        .map(|(f, (tp, fp, r#fn))| (*f, Figures::from_counts(*tp, *fp, *r#fn)))
        .collect();
    let pooled = flag_counts
        .iter()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    Report {
        messages: n,
        accuracy: if n == 0 {
            0.0
        } else {
            correct as f64 / n as f64
        },
        macro_f1: if present.is_empty() {
            0.0
        } else {
            present.iter().sum::<f64>() / present.len() as f64
        },
        macro_f1_kinds: present.len(),
        kinds,
        flags,
        flags_all: Figures::from_counts(pooled.0, pooled.1, pooled.2),
        confusion,
        misses,
    }
}

impl Report {
    /// The report as JSON (kinds and flags keyed by name).
    pub fn to_json(&self) -> serde_json::Value {
        let kinds: serde_json::Map<String, serde_json::Value> = self
            .kinds
            .iter()
            .map(|(k, f)| (k.as_str().to_string(), serde_json::json!(f)))
            .collect();
        let flags: serde_json::Map<String, serde_json::Value> = self
            .flags
            .iter()
            .map(|(k, f)| (k.as_str().to_string(), serde_json::json!(f)))
            .collect();
        serde_json::json!({
            "messages": self.messages,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "macro_f1_kinds": self.macro_f1_kinds,
            "kinds": kinds,
            "flags": flags,
            "flags_all": self.flags_all,
            "confusion": {
                "order": Kind::iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                "rows_labelled_columns_classified": self.confusion,
            },
            "misses": self.misses,
        })
    }

    /// The report as a table for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let correct: usize = (0..self.confusion.len())
            .map(|i| self.confusion[i][i])
            .sum();
        let _ = writeln!(
            s,
            "messages {}   accuracy {:.3} ({correct}/{})   macro-F1 {:.3} (over the {} kinds present)",
            self.messages, self.accuracy, self.messages, self.macro_f1, self.macro_f1_kinds
        );
        let _ = writeln!(
            s,
            "\n{:<18} {:>9} {:>7} {:>6} {:>8}",
            "kind", "precision", "recall", "F1", "support"
        );
        for (k, f) in &self.kinds {
            let _ = writeln!(
                s,
                "{:<18} {:>9.3} {:>7.3} {:>6.3} {:>8}",
                k.as_str(),
                f.precision,
                f.recall,
                f.f1,
                f.support
            );
        }
        let _ = writeln!(
            s,
            "\n{:<18} {:>9} {:>7} {:>6} {:>8}",
            "flag", "precision", "recall", "F1", "support"
        );
        for (k, f) in &self.flags {
            let _ = writeln!(
                s,
                "{:<18} {:>9.3} {:>7.3} {:>6.3} {:>8}",
                k.as_str(),
                f.precision,
                f.recall,
                f.f1,
                f.support
            );
        }
        let f = &self.flags_all;
        let _ = writeln!(
            s,
            "{:<18} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            "(all flags)", f.precision, f.recall, f.f1, f.support
        );
        let short = [
            "compl", "compli", "comment", "other", "auto", "bounce", "bulk",
        ];
        let _ = write!(
            s,
            "\nconfusion (rows: labelled, columns: classified)\n{:<12}",
            ""
        );
        for h in short {
            let _ = write!(s, "{h:>8}");
        }
        s.push('\n');
        for (i, k) in Kind::iter().enumerate() {
            let _ = write!(s, "{:<12}", k.as_str());
            for c in &self.confusion[i] {
                let _ = write!(s, "{c:>8}");
            }
            s.push('\n');
        }
        if !self.misses.is_empty() {
            s.push_str("\nmisclassified:\n");
            for m in &self.misses {
                let _ = writeln!(
                    s,
                    "  {}: labelled {}, classified {}",
                    m.file, m.labelled, m.classified
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(kind: Kind, flags: &[Flag]) -> Label {
        Label {
            file: "x.eml".into(),
            kind,
            flags: flags.iter().copied().collect(),
        }
    }

    /// Figures worked out by hand: labels C C C O B, classified C C O O C;
    /// safeguarding on the first two, classified on the first and the fourth.
    #[test]
    fn figures_match_a_hand_count() {
        use Flag::Safeguarding as S;
        let labels = [
            label(Kind::Complaint, &[S]),
            label(Kind::Complaint, &[S]),
            label(Kind::Complaint, &[]),
            label(Kind::Other, &[]),
            label(Kind::Bounce, &[]),
        ];
        let got = [
            (Kind::Complaint, vec![S]),
            (Kind::Complaint, vec![]),
            (Kind::Other, vec![]),
            (Kind::Other, vec![S]),
            (Kind::Complaint, vec![]),
        ];
        let got_flags: Vec<BTreeSet<Flag>> = got
            .iter()
            .map(|(_, f)| f.iter().copied().collect())
            .collect();
        let r = evaluate(
            labels
                .iter()
                .zip(&got)
                .zip(&got_flags)
                .map(|((l, (k, _)), f)| (l, *k, f)),
        );
        assert_eq!(r.messages, 5);
        assert!((r.accuracy - 0.6).abs() < 1e-9);
        // complaint: tp 2, fp 1, fn 1 → P 2/3, R 2/3, F1 2/3.
        let c = r.kinds[0].1;
        assert_eq!((c.tp, c.fp, c.r#fn), (2, 1, 1));
        assert!((c.f1 - 2.0 / 3.0).abs() < 1e-9);
        // other: tp 1, fp 1, fn 0 → P 1/2, R 1, F1 2/3. bounce: tp 0 → F1 0.
        assert!((r.kinds[3].1.f1 - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.kinds[5].1.f1, 0.0);
        // Three kinds occur: (2/3 + 2/3 + 0) / 3.
        assert_eq!(r.macro_f1_kinds, 3);
        assert!((r.macro_f1 - 4.0 / 9.0).abs() < 1e-9);
        assert_eq!(r.confusion[5][0], 1, "a bounce classified as a complaint");
        let s = r.flags[0].1;
        assert_eq!((s.tp, s.fp, s.r#fn), (1, 1, 1));
        assert_eq!(r.flags_all.support, 2);
        assert_eq!(r.misses.len(), 2);
    }

    #[test]
    fn labels_are_parsed_and_bad_lines_named() {
        let ok = "{\"file\":\"a.eml\",\"kind\":\"complaint\",\"flags\":[\"on_behalf\"],\"notes\":\"x\"}\n\n{\"file\":\"b.eml\",\"kind\":\"bulk\"}\n";
        let l = parse_labels(ok).expect("labels");
        assert_eq!(l.len(), 2);
        assert!(l[0].flags.contains(&Flag::OnBehalf));
        assert_eq!(parse_labels("\n").unwrap_err(), LabelError::Empty);
        for bad in [
            "{\"file\":\"a.eml\",\"kind\":\"grumble\"}",
            "{\"file\":\"a.eml\",\"kind\":\"complaint\",\"flags\":[\"urgent\"]}",
            "not json",
            "{\"file\":\"../../etc/passwd\",\"kind\":\"other\"}",
        ] {
            let e = parse_labels(&format!("{ok}{bad}\n")).unwrap_err();
            assert!(matches!(e, LabelError::Line { line: 4, .. }), "{bad}: {e}");
        }
    }
}
