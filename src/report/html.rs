//! The report as one self-contained HTML file: its charts embedded as
//! `data:` URIs, its styles inline in the head, no script and nothing
//! fetched, so it can be mailed, archived or printed to PDF from any
//! browser (print styles keep tables and charts from splitting across pages).

use super::chart::{self, Chart, ChartError};
use super::tables::{quarter_name, Report, Rows, Table};
use crate::core::case::DeadlineKind;
use crate::core::report::local_day;
use base64::Engine as _;
use handlebars::html_escape as esc;
use std::io::Write;

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #222; margin: 2em auto; max-width: 60em; padding: 0 1.5em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 2px solid #1f5a96; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.4em 0 1em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef3f8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.6em 0 1.2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; box-sizing: border-box; }
figcaption { font-size: 0.85em; color: #555; }
.tiles { display: flex; flex-wrap: wrap; gap: 0.6em; margin: 0.8em 0; }
.tile { border: 1px solid #ccd; border-radius: 4px; padding: 0.5em 0.8em; min-width: 10em; }
.tile b { display: block; font-size: 1.5em; color: #1f5a96; }
.note { font-size: 0.9em; color: #444; background: #f6f6f6; padding: 0.6em 0.8em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, figure, .tiles { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 16mm 14mm; }
"#;

/// Why the HTML could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A chart failed.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Write `s` escaped for HTML text and attributes, as handlebars escapes
/// (the same entities), without making a copy of it.
fn esc_to(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'`' => "&#x60;",
            b'=' => "&#x3D;",
            _ => continue,
        };
        w.write_all(&s.as_bytes()[start..i])?;
        w.write_all(entity.as_bytes())?;
        start = i + 1;
    }
    w.write_all(&s.as_bytes()[start..])
}

/// Write a table: its heading, then its rows, each written as it is made.
fn table_html(w: &mut impl Write, t: &Table) -> std::io::Result<()> {
    writeln!(w, "<h3>{}</h3>", esc(&t.title))?;
    if t.rows.is_empty() {
        return w.write_all(b"<p>None in this period.</p>\n");
    }
    w.write_all(b"<table>\n<thead><tr>")?;
    for h in &t.header {
        write!(w, "<th scope=\"col\">{}</th>", esc(h))?;
    }
    w.write_all(b"</tr></thead>\n<tbody>\n")?;
    t.rows.each(|row| {
        w.write_all(b"<tr>")?;
        for (i, cell) in row.iter().enumerate() {
            let numeric = i > 0
                && !cell.is_empty()
                && cell
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '-'));
            w.write_all(if numeric {
                b"<td class=\"n\">"
            } else {
                b"<td>"
            })?;
            esc_to(w, cell)?;
            w.write_all(b"</td>")?;
        }
        w.write_all(b"</tr>\n")
    })?;
    w.write_all(b"</tbody></table>\n")
}

fn figure_html(w: &mut impl Write, c: &Chart) -> std::io::Result<()> {
    writeln!(
        w,
        "<figure><img src=\"data:image/png;base64,{}\" width=\"{}\" height=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
        base64::engine::general_purpose::STANDARD.encode(&c.png),
        c.width,
        c.height,
        esc(&c.alt),
        esc(&c.alt)
    )
}

/// A table with its rows as columns: the Ombudsman's table has a column
/// per field and a row per quarter, which a page shows better turned round
/// (a row per field, a column per quarter).
fn transposed<'a>(t: &Table<'a>) -> Table<'a> {
    let cells = t.rows.cells();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, h) in t.header.iter().enumerate().skip(1) {
        let mut row = vec![h.clone()];
        row.extend(cells.iter().map(|r| r.get(i).cloned().unwrap_or_default()));
        rows.push(row);
    }
    let mut header = vec![t.header.first().cloned().unwrap_or_default()];
    header.extend(cells.iter().map(|r| r.first().cloned().unwrap_or_default()));
    Table {
        name: t.name,
        title: t.title.clone(),
        header,
        rows: Rows::Cells(rows),
    }
}

/// The counts of a two-column table as chart bars.
fn bars_of(t: &Table) -> Vec<(String, u64)> {
    t.rows
        .cells()
        .iter()
        .filter_map(|r| Some((r.first()?.clone(), r.get(1)?.parse().ok()?)))
        .collect()
}

/// Write the report as HTML to `w`, section by section as it is made (the
/// lessons register row by row), never the whole page in memory.
pub fn render(report: &Report, w: &mut impl Write) -> Result<(), RenderError> {
    let f = &report.figures;
    let tables = report.tables();
    let by = |name: &str| tables.iter().find(|t| t.name == name);
    let period = Report::period_words(&f.period);
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}: complaints performance report, {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&report.organisation),
        esc(&period)
    )?;
    let body = w;
    write!(
        body,
        "<h1>{}: complaints performance report</h1>\n<p class=\"meta\">{} &middot; counted {}</p>\n",
        esc(&report.organisation),
        esc(&period),
        report.counted_at.format("%-d %B %Y %H:%M UTC")
    )?;
    body.write_all("<p class=\"note\">Volumes, outcomes, remedies, extensions, refusals, referrals, survey answers and lessons \
         are about the cases received in the period. Timeliness counts the acknowledgements, responses and \
         decisions due or made in the period, whenever the case came in; a deadline that fell due in the period \
         and has not been met counts as late. &ldquo;Open now&rdquo; is at the time counted. Days are \
         working days in the organisation&rsquo;s calendar (weekends, bank holidays and closures left out).</p>\n".as_bytes())?;
    if let Some(s) = by("summary") {
        body.write_all("<div class=\"tiles\">\n".as_bytes())?;
        for r in s.rows.cells() {
            if let [k, v] = &r[..] {
                writeln!(
                    body,
                    "<div class=\"tile\"><b>{}</b>{}</div>",
                    esc(v),
                    esc(k)
                )?;
            }
        }
        body.write_all("</div>\n".as_bytes())?;
    }

    body.write_all("<h2>The trend</h2>\n".as_bytes())?;
    figure_html(body, &chart::weekly(&report.weeks, 860, 300)?)?;

    body.write_all("<h2>Complaints and other cases received</h2>\n".as_bytes())?;
    if let Some(t) = by("received_by_kind") {
        figure_html(
            body,
            &chart::bars("Received by kind", &bars_of(t), 560, 240)?,
        )?;
    }
    for name in [
        "received_by_kind",
        "complaints_by_flag",
        "complaints_by_stage",
        "received_by_mailbox",
        "received_by_language",
    ] {
        if let Some(t) = by(name) {
            table_html(body, t)?;
        }
    }

    body.write_all("<h2>Timeliness</h2>\n".as_bytes())?;
    let resp = f.timeliness_of(DeadlineKind::Respond);
    let days: Vec<(String, u64)> = resp
        .days_taken
        .iter()
        .map(|c| (c.what.to_string(), c.n))
        .collect();
    figure_html(
        body,
        &chart::bars("Responses by working days taken", &days, 860, 260)?,
    )?;
    for name in ["timeliness", "days_taken", "open_by_stage"] {
        if let Some(t) = by(name) {
            table_html(body, t)?;
        }
    }
    if let Some(o) = &f.oldest_open {
        writeln!(
            body,
            "<p>The oldest complaint open is {}, received {}, at {}, held by {}.</p>",
            esc(&o.reference.to_string()),
            o.opened_at.format("%-d %B %Y"),
            esc(&report.stage_name(o.stage)),
            esc(o.handler.as_deref().unwrap_or("nobody"))
        )?;
    }

    body.write_all("<h2>Extensions</h2>\n".as_bytes())?;
    let bars: Vec<(String, u64)> = f
        .extensions
        .reasons
        .iter()
        .map(|c| (c.what.clone(), c.n))
        .collect();
    figure_html(body, &chart::bars("Extensions by reason", &bars, 560, 240)?)?;
    for name in ["extensions", "extension_reasons"] {
        if let Some(t) = by(name) {
            table_html(body, t)?;
        }
    }

    body.write_all("<h2>Outcomes</h2>\n".as_bytes())?;
    let all = f.all_outcomes();
    let bars: Vec<(String, u64)> = all.outcomes.iter().map(|c| (c.what.words(), c.n)).collect();
    figure_html(
        body,
        &chart::bars("Outcomes sent, every stage", &bars, 560, 240)?,
    )?;
    for name in ["outcomes", "uphold_rates"] {
        if let Some(t) = by(name) {
            table_html(body, t)?;
        }
    }

    body.write_all("<h2>Remedies, refusals and referrals</h2>\n".as_bytes())?;
    let outstanding = f.remedies_outstanding();
    let done: u64 = f.remedies.iter().map(|r| r.done).sum();
    let bars = [
        ("remedies done".to_string(), done),
        ("remedies outstanding".to_string(), outstanding),
        ("refusals".to_string(), f.refusals.iter().map(|r| r.n).sum()),
        ("referred externally".to_string(), f.referred_externally),
    ];
    figure_html(
        body,
        &chart::bars("Remedies, refusals and referrals", &bars, 560, 240)?,
    )?;
    for name in ["remedies", "refusals"] {
        if let Some(t) = by(name) {
            table_html(body, t)?;
        }
    }
    writeln!(
        body,
        "<p>Cases referred to an external body (the Ombudsman or a regulator): {}.</p>",
        f.referred_externally
    )?;

    body.write_all("<h2>Satisfaction with the handling</h2>\n".as_bytes())?;
    let v = &f.survey;
    let bars = [
        ("satisfied".to_string(), v.satisfied),
        ("not satisfied".to_string(), v.not_satisfied),
        (
            "answered, neither".to_string(),
            v.answered.saturating_sub(v.satisfied + v.not_satisfied),
        ),
        (
            "not answered".to_string(),
            v.sent.saturating_sub(v.answered),
        ),
    ];
    figure_html(body, &chart::bars("Survey answers", &bars, 560, 240)?)?;
    if let Some(t) = by("survey") {
        table_html(body, t)?;
    }

    body.write_all("<h2>Lessons learnt</h2>\n".as_bytes())?;
    // The lessons of each quarter's cases (local days, as the quarters count).
    let mut per_quarter: Vec<(String, u64)> = report
        .quarters
        .iter()
        .map(|q| (quarter_name(&q.period), 0))
        .collect();
    for l in &f.lessons {
        let d = local_day(l.opened_at);
        if let Some(i) = report
            .quarters
            .iter()
            .position(|q| d >= q.period.from && d < q.period.to)
        {
            per_quarter[i].1 += 1;
        }
    }
    figure_html(
        body,
        &chart::bars("Lessons learnt by quarter received", &per_quarter, 560, 240)?,
    )?;
    if let Some(t) = by("lessons") {
        table_html(body, t)?;
    }

    body.write_all("<h2>By quarter</h2>\n".as_bytes())?;
    let bars: Vec<(String, u64)> = report
        .quarters
        .iter()
        .map(|q| (quarter_name(&q.period), q.received.complaints()))
        .collect();
    figure_html(
        body,
        &chart::bars("Complaints received by quarter", &bars, 560, 240)?,
    )?;
    if let Some(t) = by("psow") {
        table_html(body, &transposed(t))?;
    }
    if let Some(t) = by("weekly") {
        table_html(body, t)?;
    }

    body.write_all(b"</body>\n</html>\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::CaseRef;
    use crate::core::report::{Figures, Lesson, Period};

    #[test]
    fn escaping_while_writing_gives_the_entities_handlebars_gives() {
        for s in [
            "",
            "plain",
            "<b>\"Fish & chips\"</b> isn't `code` = 1",
            "Diolch yn fawr — ŵ ŷ <> & 'dyfyniad'",
            "&&<<>>",
        ] {
            let mut out = Vec::new();
            esc_to(&mut out, s).expect("write to memory");
            assert_eq!(String::from_utf8(out).expect("utf-8"), esc(s), "{s:?}");
        }
    }

    #[test]
    fn every_lesson_is_a_row_of_the_html_and_of_the_csv() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("time");
        let lessons: Vec<Lesson> = (1..=3)
            .map(|n| Lesson {
                reference: CaseRef::new("LES", 2026, n),
                opened_at: at("2026-10-31T23:30:00Z"),
                closed_at: (n != 2).then(|| at("2026-11-02T09:00:00Z")),
                lesson: format!("Lesson {n}: rebook <sessions> & \"tell\" them"),
            })
            .collect();
        let period = Period {
            from: "2026-10-01".parse().expect("day"),
            to: "2026-12-01".parse().expect("day"),
        };
        let report = Report {
            organisation: "Org".into(),
            stages: vec!["Stage 1".into()],
            counted_at: at("2026-12-01T09:00:00Z"),
            figures: Figures {
                period,
                received: Default::default(),
                timeliness: Vec::new(),
                open_by_stage: Vec::new(),
                oldest_open: None,
                extensions: Default::default(),
                outcomes: Vec::new(),
                remedies: Vec::new(),
                refusals: Vec::new(),
                referred_externally: 0,
                survey: Default::default(),
                lessons,
            },
            weeks: Vec::new(),
            quarters: Vec::new(),
        };
        let mut html = Vec::new();
        render(&report, &mut html).expect("render");
        let html = String::from_utf8(html).expect("utf-8");
        for (n, closed) in [(1, "2026-11-02"), (2, "open"), (3, "2026-11-02")] {
            let row = format!(
                "<tr><td>LES-2026-{n:04}</td><td class=\"n\">2026-10-31</td><td{}>{closed}</td>\
                 <td>Lesson {n}: rebook &lt;sessions&gt; &amp; &quot;tell&quot; them</td></tr>",
                if closed == "open" { "" } else { " class=\"n\"" }
            );
            assert!(html.contains(&row), "no row {row:?} in the HTML");
        }
        let tables = report.tables();
        let lessons = tables
            .iter()
            .find(|t| t.name == "lessons")
            .expect("the lessons table");
        let csv =
            String::from_utf8(super::super::write::csv_of(lessons).expect("csv")).expect("utf-8");
        assert_eq!(
            csv,
            "case,received,closed,lesson and change\n\
             LES-2026-0001,2026-10-31,2026-11-02,\"Lesson 1: rebook <sessions> & \"\"tell\"\" them\"\n\
             LES-2026-0002,2026-10-31,open,\"Lesson 2: rebook <sessions> & \"\"tell\"\" them\"\n\
             LES-2026-0003,2026-10-31,2026-11-02,\"Lesson 3: rebook <sessions> & \"\"tell\"\" them\"\n"
        );
    }
}
