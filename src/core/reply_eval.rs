//! Measuring the reply reader against labelled replies (`reply-text --eval
//! DIR`): newly written text recorded exactly, how complainants' replies are
//! read (an intent confusion matrix, and the two mistakes that matter most:
//! a reply escalated that asked for no escalation, an escalation request
//! missed), and references found in messages that carry no threading
//! headers.
//!
//! Pure: the caller reads the files, runs the reader and the threading rules
//! on each, and hands the outcomes here to count.

use super::reference::CaseRef;
use serde::Serialize;
use std::collections::BTreeMap;

/// Who wrote a labelled reply.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person who complained.
    Complainant,
    /// A member of staff handling the case.
    Handler,
    /// Anyone else writing about the case.
    ThirdParty,
}

/// One line of `labels.jsonl` for replies (`{"file", "role", "intent",
/// "case_state", "ref", "threading", "notes"}`; `client` and `notes` are for
/// people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLabel {
    /// File name, relative to the labels' directory.
    pub file: String,
    /// Who wrote it.
    pub role: Role,
    /// What they meant (`escalate`, `answer`, `chase`, `thanks`, `unclear`,
    /// `new_matter` for complainants; the handler's and third parties' are
    /// counted only for the text).
    pub intent: String,
    /// Where the case stood when the reply arrived, when the label says
    /// (e.g. `open`, `responded`, `closed`).
    pub case_state: Option<String>,
    /// The case the reply is about: the `ref` field, or a reference at the
    /// start of `notes` (`"ref PAR-2026-0079; …"`, as older batches wrote it).
    pub reference: Option<CaseRef>,
    /// How the reply is threaded, when the label says (free text, shown only).
    pub threading: Option<String>,
}

/// Why a labels file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplyLabelError {
    /// A line is not the JSON object the format expects.
    #[error("labels.jsonl line {line}: {why}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        why: String,
    },
    /// No labelled reply at all.
    #[error("labels.jsonl has no labelled reply")]
    Empty,
}

#[derive(serde::Deserialize)]
struct RawReplyLabel {
    file: String,
    role: String,
    intent: String,
    #[serde(default)]
    case_state: Option<String>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    threading: Option<serde_json::Value>,
    #[serde(default)]
    notes: Option<String>,
}

/// Whether the text a reader extracted is the text a labeller expected,
/// compared as the batches' conventions say: after normalising runs of
/// spaces and of blank lines (a space left at the end of a line, or two
/// blank lines for one, is not a different text); line breaks inside a
/// paragraph still count.
pub fn same_text(got: &str, expected: &str) -> bool {
    fn norm(t: &str) -> String {
        let lines: Vec<String> = t
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let mut out: Vec<&str> = Vec::new();
        for l in &lines {
            if l.is_empty() && out.last().is_none_or(|p| p.is_empty()) {
                continue;
            }
            out.push(l);
        }
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.join("\n")
    }
    norm(got) == norm(expected)
}

/// Parse the reply labels. Blank lines are skipped; anything else wrong is
/// an error naming the line (a silently skipped label would change the
/// figures).
pub fn parse_reply_labels(text: &str) -> Result<Vec<ReplyLabel>, ReplyLabelError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |why: String| ReplyLabelError::Line { line: i + 1, why };
        let raw: RawReplyLabel = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        if raw.file.trim().is_empty() || raw.file.contains("..") || raw.file.starts_with('/') {
            return Err(err(format!(
                "file {:?} is not a name inside the directory",
                raw.file
            )));
        }
        let role: Role = raw
            .role
            .parse()
            .map_err(|_| err(format!("unknown role {:?}", raw.role)))?;
        let reference = match (&raw.reference, &raw.notes) {
            (Some(r), _) => Some(r.parse::<CaseRef>().map_err(|e| err(format!("ref: {e}")))?),
            (None, Some(n)) => n
                .strip_prefix("ref ")
                .and_then(|rest| rest.split([';', ' ', ',']).next())
                .and_then(|r| r.parse().ok()),
            (None, None) => None,
        };
        let threading = raw.threading.map(|t| match t {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        let mut intent = raw.intent.trim().to_ascii_lowercase();
        // Unprompted extra information and an answer to a question are one
        // reading for the reader (information for the handler, who is told);
        // some batches label the first "update".
        if intent == "update" && role == Role::Complainant {
            intent = "answer".into();
        }
        out.push(ReplyLabel {
            file: raw.file,
            role,
            intent,
            case_state: raw.case_state,
            reference,
            threading,
        });
    }
    if out.is_empty() {
        return Err(ReplyLabelError::Empty);
    }
    Ok(out)
}

/// How the reader read one complainant's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The intent it was read as (the label spelling: `escalate`, `thanks`, …).
    pub intent: String,
    /// Would the case move to the next stage? Counted as if the reply came
    /// after a stage response, inside the escalation window: the state in
    /// which a misreading escalates.
    pub escalates: bool,
    /// Why it was read so (the reason the audit records).
    pub reason: String,
}

/// Where the threading rules put a message that carries no `In-Reply-To`
/// or `References`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headerless {
    /// The references found in the subject or body, first the one that
    /// threads it.
    pub found: Vec<CaseRef>,
}

/// What was measured on one labelled reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The text recorded equals `NAME.expected.txt` after trimming.
    pub text_exact: bool,
    /// For complainants: how the reply was read.
    pub reading: Option<Reading>,
    /// For messages without threading headers: the references found.
    pub headerless: Option<Headerless>,
}

/// A message counted as wrong, for the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wrong {
    /// The file.
    pub file: String,
    /// What the label says.
    pub labelled: String,
    /// What was found.
    pub got: String,
}

/// The figures over a labelled set of replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ReplyReport {
    /// Replies counted.
    pub messages: usize,
    /// Newly written text recorded exactly.
    pub text_exact: usize,
    /// The files whose text was not exact.
    pub text_wrong: Vec<String>,
    /// Complainants' replies.
    pub complainant: usize,
    /// Complainants' replies read as labelled.
    pub intent_correct: usize,
    /// Complainants' replies read otherwise than labelled.
    pub misread: Vec<Wrong>,
    /// `confusion[labelled][read]`.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Complainants' replies that are not escalation requests.
    pub not_escalation: usize,
    /// …of which the case would have escalated.
    pub escalated_wrongly: Vec<Wrong>,
    /// Complainants' escalation requests.
    pub escalation_requests: usize,
    /// …of which the case would not have escalated.
    pub escalation_missed: Vec<Wrong>,
    /// Replies whose label names a case and that carry no threading headers.
    pub headerless: usize,
    /// …of which the labelled reference was found first in subject or body.
    pub headerless_found: usize,
    /// …the others.
    pub headerless_wrong: Vec<Wrong>,
}

/// Count the outcomes, one per label in order.
pub fn evaluate_replies<'a>(
    outcomes: impl IntoIterator<Item = (&'a ReplyLabel, &'a Outcome)>,
) -> ReplyReport {
    let mut r = ReplyReport::default();
    for (label, o) in outcomes {
        r.messages += 1;
        if o.text_exact {
            r.text_exact += 1;
        } else {
            r.text_wrong.push(label.file.clone());
        }
        if let (Role::Complainant, Some(reading)) = (label.role, &o.reading) {
            r.complainant += 1;
            *r.confusion
                .entry(label.intent.clone())
                .or_default()
                .entry(reading.intent.clone())
                .or_default() += 1;
            let wrong = || Wrong {
                file: label.file.clone(),
                labelled: label.intent.clone(),
                got: format!("{} ({})", reading.intent, reading.reason),
            };
            if reading.intent == label.intent {
                r.intent_correct += 1;
            } else {
                r.misread.push(wrong());
            }
            if label.intent == "escalate" {
                r.escalation_requests += 1;
                if !reading.escalates {
                    r.escalation_missed.push(wrong());
                }
            } else {
                r.not_escalation += 1;
                if reading.escalates {
                    r.escalated_wrongly.push(wrong());
                }
            }
        }
        if let (Some(h), Some(want)) = (&o.headerless, &label.reference) {
            r.headerless += 1;
            if h.found.first() == Some(want) {
                r.headerless_found += 1;
            } else {
                let got: Vec<String> = h.found.iter().map(|c| c.to_string()).collect();
                r.headerless_wrong.push(Wrong {
                    file: label.file.clone(),
                    labelled: want.to_string(),
                    got: if got.is_empty() {
                        "nothing".into()
                    } else {
                        got.join(", ")
                    },
                });
            }
        }
    }
    r
}

impl ReplyReport {
    /// The report for people, one figure a line, then the matrix and the
    /// messages counted as wrong.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "newly written text exact: {}/{}",
            self.text_exact, self.messages
        );
        let _ = writeln!(
            s,
            "complainant replies read as labelled: {}/{}",
            self.intent_correct, self.complainant
        );
        let _ = writeln!(
            s,
            "escalated but not an escalation request: {} of {}",
            self.escalated_wrongly.len(),
            self.not_escalation
        );
        let _ = writeln!(
            s,
            "escalation request missed: {} of {}",
            self.escalation_missed.len(),
            self.escalation_requests
        );
        let _ = writeln!(
            s,
            "references found without threading headers: {}/{}",
            self.headerless_found, self.headerless
        );
        if !self.confusion.is_empty() {
            let mut cols: Vec<&String> = self
                .confusion
                .values()
                .flat_map(|row| row.keys())
                .chain(self.confusion.keys())
                .collect();
            cols.sort();
            cols.dedup();
            let _ = writeln!(s, "\nintent confusion (rows: labelled, columns: read)");
            let _ = write!(s, "{:<12}", "");
            for c in &cols {
                let _ = write!(s, " {:>10}", c);
            }
            s.push('\n');
            for (row, counts) in &self.confusion {
                let _ = write!(s, "{row:<12}");
                for c in &cols {
                    let _ = write!(s, " {:>10}", counts.get(*c).copied().unwrap_or(0));
                }
                s.push('\n');
            }
        }
        let list = |s: &mut String, title: &str, w: &[Wrong]| {
            if !w.is_empty() {
                let _ = writeln!(s, "\n{title}:");
                for x in w {
                    let _ = writeln!(s, "  {}: labelled {}, got {}", x.file, x.labelled, x.got);
                }
            }
        };
        list(
            &mut s,
            "escalated but not an escalation request",
            &self.escalated_wrongly,
        );
        list(&mut s, "escalation request missed", &self.escalation_missed);
        list(&mut s, "read otherwise than labelled", &self.misread);
        list(
            &mut s,
            "reference not found without threading headers",
            &self.headerless_wrong,
        );
        if !self.text_wrong.is_empty() {
            let _ = writeln!(s, "\ntext not exact: {}", self.text_wrong.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_with_reference_from_notes_or_field() {
        let l = parse_reply_labels(
            "{\"file\":\"a.eml\",\"role\":\"complainant\",\"intent\":\"Chase\",\"notes\":\"ref PAR-2026-0066; no headers\"}\n\n\
             {\"file\":\"b.eml\",\"role\":\"third_party\",\"intent\":\"third_party\",\"ref\":\"cmp-2026-0001\",\"case_state\":\"responded\",\"threading\":{\"in_reply_to\":false}}\n\
             {\"file\":\"c.eml\",\"role\":\"complainant\",\"intent\":\"update\"}\n",
        )
        .unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[2].intent, "answer", "extra information is an answer");
        assert_eq!(l[0].intent, "chase");
        assert_eq!(
            l[0].reference.as_ref().unwrap().to_string(),
            "PAR-2026-0066"
        );
        assert_eq!(l[1].role, Role::ThirdParty);
        assert_eq!(
            l[1].reference.as_ref().unwrap().to_string(),
            "CMP-2026-0001"
        );
        assert_eq!(l[1].case_state.as_deref(), Some("responded"));
        assert!(l[1].threading.as_deref().unwrap().contains("in_reply_to"));
    }

    #[test]
    fn bad_labels_name_the_line() {
        let e = parse_reply_labels("{\"file\":\"a.eml\",\"role\":\"boss\",\"intent\":\"x\"}")
            .unwrap_err();
        assert!(matches!(e, ReplyLabelError::Line { line: 1, .. }), "{e}");
        assert_eq!(parse_reply_labels("\n"), Err(ReplyLabelError::Empty));
        assert!(
            parse_reply_labels("{\"file\":\"../x\",\"role\":\"handler\",\"intent\":\"x\"}")
                .is_err()
        );
    }

    #[test]
    fn counts_the_mistakes_that_matter() {
        let labels = parse_reply_labels(
            "{\"file\":\"1\",\"role\":\"complainant\",\"intent\":\"thanks\",\"ref\":\"PAR-2026-0001\"}\n\
             {\"file\":\"2\",\"role\":\"complainant\",\"intent\":\"escalate\"}\n\
             {\"file\":\"3\",\"role\":\"handler\",\"intent\":\"internal_note\"}\n",
        )
        .unwrap();
        let read = |intent: &str, escalates| Reading {
            intent: intent.into(),
            escalates,
            reason: "r".into(),
        };
        let outcomes = [
            Outcome {
                text_exact: true,
                reading: Some(read("escalate", true)),
                headerless: Some(Headerless { found: vec![] }),
            },
            Outcome {
                text_exact: false,
                reading: Some(read("unclear", false)),
                headerless: None,
            },
            Outcome {
                text_exact: true,
                reading: None,
                headerless: None,
            },
        ];
        let r = evaluate_replies(labels.iter().zip(outcomes.iter()));
        assert_eq!((r.messages, r.text_exact, r.complainant), (3, 2, 2));
        assert_eq!(r.escalated_wrongly.len(), 1);
        assert_eq!(r.escalation_missed.len(), 1);
        assert_eq!(r.intent_correct, 0);
        assert_eq!(r.confusion["thanks"]["escalate"], 1);
        assert_eq!((r.headerless, r.headerless_found), (1, 0));
        let text = r.render();
        assert!(text.contains("newly written text exact: 2/3"), "{text}");
        assert!(text.contains("escalated but not an escalation request: 1 of 1"));
        assert!(text.contains("references found without threading headers: 0/1"));
    }

    #[test]
    fn text_compares_after_runs_of_spaces_and_blank_lines() {
        assert!(same_text("Hi,\n\n\nThanks. \nJo", "Hi,\n\nThanks.\nJo\n"));
        assert!(same_text("a  b\tc", "a b c"));
        // A line break inside a paragraph, or a word, is a difference.
        assert!(!same_text("Thanks.\nJo", "Thanks. Jo"));
        assert!(!same_text("Thanks, Jo", "Thanks Jo"));
    }
}
