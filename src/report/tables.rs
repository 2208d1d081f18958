//! The report's tables: every figure of the report as rows, built once
//! here and written as they are to CSV (one file per table) and to the
//! HTML report, so a number in one is the number in the other.

use crate::core::case::DeadlineKind;
use crate::core::report::{percent, percent_text, Figures, Lesson, Period, Week};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything `complaintd report` writes, whatever the format.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The organisation.
    pub organisation: String,
    /// The procedure's stage names, by index.
    pub stages: Vec<String>,
    /// When the figures were counted (what "open now" means).
    pub counted_at: DateTime<Utc>,
    /// The figures of the whole period.
    pub figures: Figures,
    /// The weeks of the period, oldest first.
    pub weeks: Vec<Week>,
    /// The figures of each calendar quarter in the period, without the
    /// lessons-learnt register (listed once, in `figures`; the JSON leaves
    /// the quarters' `lessons` out rather than show them empty).
    #[serde(serialize_with = "without_lessons")]
    pub quarters: Vec<Figures>,
}

/// The quarters' figures as JSON objects without their (empty) lessons.
fn without_lessons<S: serde::Serializer>(quarters: &[Figures], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::{Error as _, SerializeSeq as _};
    let mut seq = s.serialize_seq(Some(quarters.len()))?;
    for q in quarters {
        let mut v = serde_json::to_value(q).map_err(S::Error::custom)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("lessons");
        }
        seq.serialize_element(&v)?;
    }
    seq.end()
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<'a> {
    /// The CSV file's name without `.csv`.
    pub name: &'static str,
    /// Its heading.
    pub title: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Rows<'a>,
}

/// A table's rows: cells, or the lessons-learnt register, whose rows are
/// made one at a time as they are written (a year at a million cases has
/// 100,000 lessons: never copied into cells, each written straight out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows<'a> {
    /// Rows of cells.
    Cells(Vec<Vec<String>>),
    /// One row per lesson: the case, received, closed, the lesson.
    Lessons(&'a [Lesson]),
}

impl Rows<'_> {
    /// No rows.
    pub fn is_empty(&self) -> bool {
        match self {
            Rows::Cells(c) => c.is_empty(),
            Rows::Lessons(l) => l.is_empty(),
        }
    }

    /// The cells of a table of cells (none for the lessons).
    pub fn cells(&self) -> &[Vec<String>] {
        match self {
            Rows::Cells(c) => c,
            Rows::Lessons(_) => &[],
        }
    }

    /// Call `f` with each row's cells in turn.
    pub fn each<E>(&self, mut f: impl FnMut(&[&str]) -> Result<(), E>) -> Result<(), E> {
        match self {
            Rows::Cells(rows) => {
                for r in rows {
                    let cells: Vec<&str> = r.iter().map(String::as_str).collect();
                    f(&cells)?;
                }
            }
            Rows::Lessons(lessons) => {
                use std::fmt::Write as _;
                let (mut case, mut received, mut closed) =
                    (String::new(), String::new(), String::new());
                for l in lessons.iter() {
                    case.clear();
                    received.clear();
                    closed.clear();
                    // Writing to a String cannot fail.
                    let _ = write!(case, "{}", l.reference);
                    let _ = write!(received, "{}", l.opened_at.date_naive());
                    match l.closed_at {
                        Some(c) => {
                            let _ = write!(closed, "{}", c.date_naive());
                        }
                        None => closed.push_str("open"),
                    }
                    f(&[&case, &received, &closed, &l.lesson])?;
                }
            }
        }
        Ok(())
    }
}

impl Report {
    /// A stage's name ("Stage 2"), or its number when the procedure has no
    /// such stage any more.
    pub fn stage_name(&self, i: usize) -> String {
        self.stages
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("stage {}", i + 1))
    }

    /// The period in words: "1 April 2026 to 31 March 2027".
    pub fn period_words(p: &Period) -> String {
        format!(
            "{} to {}",
            p.from.format("%-d %B %Y"),
            p.last().format("%-d %B %Y")
        )
    }

    /// Every table, in the order of the report.
    pub fn tables(&self) -> Vec<Table<'_>> {
        let f = &self.figures;
        let r = &f.received;
        let t = |name, title: &str, header: &[&str], rows: Vec<Vec<String>>| Table {
            name,
            title: title.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Rows::Cells(rows),
        };
        let n = |x: u64| x.to_string();
        let ack = f.timeliness_of(DeadlineKind::Acknowledge);
        let resp = f.timeliness_of(DeadlineKind::Respond);
        let all = f.all_outcomes();
        let mut out = vec![
            t(
                "summary",
                "Summary",
                &["figure", "value"],
                vec![
                    vec!["Cases received".into(), n(r.total)],
                    vec!["Complaints received".into(), n(r.complaints())],
                    vec![
                        "Acknowledged on time".into(),
                        percent_text(ack.on_time_percent()),
                    ],
                    vec![
                        "Responses on time".into(),
                        percent_text(resp.on_time_percent()),
                    ],
                    vec![
                        "Responses within 20 working days".into(),
                        percent_text(percent(resp.within(20), resp.met)),
                    ],
                    vec![
                        "Upheld in full or in part".into(),
                        percent_text(all.uphold_percent()),
                    ],
                    vec![
                        "Complaints open now".into(),
                        n(f.open_by_stage.iter().map(|c| c.n).sum()),
                    ],
                    vec![
                        "Oldest open complaint".into(),
                        f.oldest_open
                            .as_ref()
                            .map(|o| {
                                format!(
                                    "{} (received {})",
                                    o.reference,
                                    o.opened_at.format("%Y-%m-%d")
                                )
                            })
                            .unwrap_or_else(|| "none".into()),
                    ],
                    vec!["Remedies outstanding".into(), n(f.remedies_outstanding())],
                    vec![
                        "Referred to an external body".into(),
                        n(f.referred_externally),
                    ],
                ],
            ),
            t(
                "received_by_kind",
                "Received by kind",
                &["kind", "received"],
                r.by_kind
                    .iter()
                    .map(|c| vec![c.what.as_str().to_string(), n(c.n)])
                    .collect(),
            ),
            t(
                "complaints_by_flag",
                "Complaints by flag",
                &["flag", "complaints"],
                r.by_flag
                    .iter()
                    .map(|c| vec![c.what.as_str().to_string(), n(c.n)])
                    .collect(),
            ),
            t(
                "complaints_by_stage",
                "Complaints by the furthest stage reached",
                &["stage", "complaints"],
                r.by_stage
                    .iter()
                    .map(|c| vec![self.stage_name(c.what), n(c.n)])
                    .collect(),
            ),
            t(
                "received_by_mailbox",
                "Received by mailbox",
                &["mailbox", "received"],
                r.by_source
                    .iter()
                    .map(|c| vec![c.what.clone(), n(c.n)])
                    .collect(),
            ),
            t(
                "received_by_language",
                "Received by language",
                &["language", "received"],
                r.by_language
                    .iter()
                    .map(|c| vec![c.what.clone(), n(c.n)])
                    .collect(),
            ),
            t(
                "timeliness",
                "Timeliness by deadline",
                &[
                    "deadline",
                    "stage",
                    "met",
                    "met on time",
                    "overdue, not met",
                    "on time",
                ],
                f.timeliness
                    .iter()
                    .map(|x| {
                        vec![
                            x.kind.as_str().to_string(),
                            self.stage_name(x.stage),
                            n(x.met),
                            n(x.on_time),
                            n(x.overdue),
                            percent_text(x.on_time_percent()),
                        ]
                    })
                    .collect(),
            ),
            t(
                "days_taken",
                "Working days taken",
                &["deadline", "stage", "working days", "count"],
                f.timeliness
                    .iter()
                    .flat_map(|x| {
                        x.days_taken.iter().map(move |c| {
                            vec![
                                x.kind.as_str().to_string(),
                                self.stage_name(x.stage),
                                c.what.to_string(),
                                c.n.to_string(),
                            ]
                        })
                    })
                    .collect(),
            ),
            t(
                "open_by_stage",
                "Complaints open now by stage",
                &["stage", "open"],
                f.open_by_stage
                    .iter()
                    .map(|c| vec![self.stage_name(c.what), n(c.n)])
                    .collect(),
            ),
            t(
                "extensions",
                "Extensions",
                &["figure", "value"],
                vec![
                    vec!["Extensions".into(), n(f.extensions.total)],
                    vec!["Cases extended".into(), n(f.extensions.cases)],
                    vec!["Beyond the stage's cap".into(), n(f.extensions.beyond_cap)],
                ],
            ),
            t(
                "extension_reasons",
                "Extensions by reason",
                &["reason", "extensions"],
                f.extensions
                    .reasons
                    .iter()
                    .map(|c| vec![c.what.clone(), n(c.n)])
                    .collect(),
            ),
            t(
                "outcomes",
                "Outcomes by stage",
                &["stage", "outcome", "count"],
                f.outcomes
                    .iter()
                    .flat_map(|s| {
                        s.outcomes.iter().map(move |c| {
                            vec![self.stage_name(s.stage), c.what.words(), c.n.to_string()]
                        })
                    })
                    .collect(),
            ),
            t(
                "uphold_rates",
                "Uphold rates by stage",
                &["stage", "outcomes sent", "upheld in full or in part"],
                f.outcomes
                    .iter()
                    .map(|s| {
                        vec![
                            self.stage_name(s.stage),
                            n(s.total()),
                            percent_text(s.uphold_percent()),
                        ]
                    })
                    .collect(),
            ),
            t(
                "remedies",
                "Remedies",
                &[
                    "kind",
                    "recorded",
                    "done",
                    "done by the due date",
                    "outstanding",
                ],
                f.remedies
                    .iter()
                    .map(|x| {
                        vec![
                            x.kind.as_str().replace('-', " "),
                            n(x.total),
                            n(x.done),
                            n(x.done_on_time),
                            n(x.total - x.done),
                        ]
                    })
                    .collect(),
            ),
            t(
                "refusals",
                "Refusals",
                &["refused to", "ground", "count"],
                f.refusals
                    .iter()
                    .map(|x| {
                        vec![
                            if x.escalation { "escalate" } else { "accept" }.to_string(),
                            x.ground.as_str().replace('-', " "),
                            n(x.n),
                        ]
                    })
                    .collect(),
            ),
            t(
                "survey",
                "Satisfaction with the handling",
                &["figure", "value"],
                vec![
                    vec!["Surveys sent".into(), n(f.survey.sent)],
                    vec!["Answered".into(), n(f.survey.answered)],
                    vec!["Satisfied".into(), n(f.survey.satisfied)],
                    vec!["Not satisfied".into(), n(f.survey.not_satisfied)],
                    vec![
                        "Mean score (1 to 5)".into(),
                        f.survey
                            .mean_score
                            .map(|m| format!("{m:.1}"))
                            .unwrap_or_else(|| "-".into()),
                    ],
                ],
            ),
            Table {
                name: "lessons",
                title: "Lessons learnt".into(),
                header: ["case", "received", "closed", "lesson and change"]
                    .iter()
                    .map(|h| h.to_string())
                    .collect(),
                rows: Rows::Lessons(&f.lessons),
            },
            t(
                "weekly",
                "Received and responses on time per week",
                &["week of", "received", "responses", "on time", "on time %"],
                self.weeks
                    .iter()
                    .map(|w| {
                        vec![
                            w.start.to_string(),
                            n(w.received),
                            n(w.responses),
                            n(w.on_time),
                            percent_text(w.on_time_percent()),
                        ]
                    })
                    .collect(),
            ),
        ];
        out.push(self.psow());
        out
    }

    /// The Public Services Ombudsman for Wales' complaints data, one row
    /// per quarter: complaints received, the share of responses sent within
    /// 20 working days, the share upheld in full or in part, the complaints
    /// by category (the classifier's flags), and those referred on.
    pub fn psow(&self) -> Table<'static> {
        use crate::core::kind::Flag;
        use strum::IntoEnumIterator;
        let mut header = vec![
            "quarter".to_string(),
            "from".into(),
            "to".into(),
            "complaints received".into(),
            "responses sent".into(),
            "closed within 20 working days %".into(),
            "outcomes sent".into(),
            "upheld in full or in part %".into(),
            "referred to the Ombudsman or another body".into(),
        ];
        header.extend(Flag::iter().map(|f| format!("category: {}", f.as_str())));
        let rows = self
            .quarters
            .iter()
            .map(|q| {
                let resp = q.timeliness_of(DeadlineKind::Respond);
                let all = q.all_outcomes();
                let pct = |p: Option<f64>| p.map(|p| format!("{p:.1}")).unwrap_or_default();
                let mut row = vec![
                    quarter_name(&q.period),
                    q.period.from.to_string(),
                    q.period.last().to_string(),
                    q.received.complaints().to_string(),
                    resp.met.to_string(),
                    pct(percent(resp.within(20), resp.met)),
                    all.total().to_string(),
                    pct(all.uphold_percent()),
                    q.referred_externally.to_string(),
                ];
                row.extend(Flag::iter().map(|f| {
                    q.received
                        .by_flag
                        .iter()
                        .filter(|c| c.what == f)
                        .map(|c| c.n)
                        .sum::<u64>()
                        .to_string()
                }));
                row
            })
            .collect();
        Table {
            name: "psow",
            title: "Complaints data for the Public Services Ombudsman for Wales, by quarter".into(),
            header,
            rows: Rows::Cells(rows),
        }
    }
}

/// "2026 Q4" (calendar quarters; the from and to columns say where a
/// quarter is cut to the period).
pub(crate) fn quarter_name(p: &Period) -> String {
    use chrono::Datelike;
    let q = p.from.month0() / 3 + 1;
    format!("{} Q{q}", p.from.year())
}
