//! The report as one self-contained HTML file: its charts embedded as
//! `data:` URIs, its styles inline in the head, no script and nothing
//! fetched, so it can be mailed, archived or printed to PDF from any
//! browser (print styles keep tables and charts from splitting across pages).

use super::chart::{self, Chart, ChartError};
use super::tables::{Report, Table};
use crate::core::case::DeadlineKind;
use base64::Engine as _;
use handlebars::html_escape as esc;

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

fn table_html(t: &Table) -> String {
    let mut s = format!("<h3>{}</h3>\n", esc(&t.title));
    if t.rows.is_empty() {
        s.push_str("<p>None in this period.</p>\n");
        return s;
    }
    s.push_str("<table>\n<thead><tr>");
    for h in &t.header {
        s.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let numeric = i > 0
                && !cell.is_empty()
                && cell
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '-'));
            s.push_str(&format!(
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                esc(cell)
            ));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s
}

fn figure_html(c: &Chart) -> String {
    format!(
        "<figure><img src=\"data:image/png;base64,{}\" width=\"{}\" height=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
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
fn transposed(t: &Table) -> Table {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, h) in t.header.iter().enumerate().skip(1) {
        let mut row = vec![h.clone()];
        row.extend(t.rows.iter().map(|r| r.get(i).cloned().unwrap_or_default()));
        rows.push(row);
    }
    let mut header = vec![t.header.first().cloned().unwrap_or_default()];
    header.extend(
        t.rows
            .iter()
            .map(|r| r.first().cloned().unwrap_or_default()),
    );
    Table {
        name: t.name,
        title: t.title.clone(),
        header,
        rows,
    }
}

/// The counts of a two-column table as chart bars.
fn bars_of(t: &Table) -> Vec<(String, u64)> {
    t.rows
        .iter()
        .filter_map(|r| Some((r.first()?.clone(), r.get(1)?.parse().ok()?)))
        .collect()
}

/// The report as HTML.
pub fn render(report: &Report) -> Result<String, ChartError> {
    let f = &report.figures;
    let tables = report.tables();
    let by = |name: &str| tables.iter().find(|t| t.name == name);
    let period = Report::period_words(&f.period);
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}: complaints performance report</h1>\n<p class=\"meta\">{} &middot; counted {}</p>\n",
        esc(&report.organisation),
        esc(&period),
        report.counted_at.format("%-d %B %Y %H:%M UTC")
    ));
    body.push_str(
        "<p class=\"note\">Volumes, outcomes, remedies, extensions, refusals, referrals, survey answers and lessons \
         are about the cases received in the period. Timeliness counts the acknowledgements, responses and \
         decisions due or made in the period, whenever the case came in; a deadline that fell due in the period \
         and has not been met counts as late. &ldquo;Open now&rdquo; is at the time counted. Days are \
         working days in the organisation&rsquo;s calendar (weekends, bank holidays and closures left out).</p>\n",
    );
    if let Some(s) = by("summary") {
        body.push_str("<div class=\"tiles\">\n");
        for r in &s.rows {
            if let [k, v] = &r[..] {
                body.push_str(&format!(
                    "<div class=\"tile\"><b>{}</b>{}</div>\n",
                    esc(v),
                    esc(k)
                ));
            }
        }
        body.push_str("</div>\n");
    }

    body.push_str("<h2>The trend</h2>\n");
    body.push_str(&figure_html(&chart::weekly(&report.weeks, 860, 300)?));

    body.push_str("<h2>Complaints and other cases received</h2>\n");
    if let Some(t) = by("received_by_kind") {
        body.push_str(&figure_html(&chart::bars(
            "Received by kind",
            &bars_of(t),
            560,
            240,
        )?));
    }
    for name in [
        "received_by_kind",
        "complaints_by_flag",
        "complaints_by_stage",
        "received_by_mailbox",
        "received_by_language",
    ] {
        if let Some(t) = by(name) {
            body.push_str(&table_html(t));
        }
    }

    body.push_str("<h2>Timeliness</h2>\n");
    let resp = f.timeliness_of(DeadlineKind::Respond);
    let days: Vec<(String, u64)> = resp
        .days_taken
        .iter()
        .map(|c| (c.what.to_string(), c.n))
        .collect();
    body.push_str(&figure_html(&chart::bars(
        "Responses by working days taken",
        &days,
        860,
        260,
    )?));
    for name in ["timeliness", "days_taken", "open_by_stage"] {
        if let Some(t) = by(name) {
            body.push_str(&table_html(t));
        }
    }
    if let Some(o) = &f.oldest_open {
        body.push_str(&format!(
            "<p>The oldest complaint open is {}, received {}, at {}, held by {}.</p>\n",
            esc(&o.reference.to_string()),
            o.opened_at.format("%-d %B %Y"),
            esc(&report.stage_name(o.stage)),
            esc(o.handler.as_deref().unwrap_or("nobody"))
        ));
    }

    body.push_str("<h2>Extensions</h2>\n");
    for name in ["extensions", "extension_reasons"] {
        if let Some(t) = by(name) {
            body.push_str(&table_html(t));
        }
    }

    body.push_str("<h2>Outcomes</h2>\n");
    let all = f.all_outcomes();
    let bars: Vec<(String, u64)> = all.outcomes.iter().map(|c| (c.what.words(), c.n)).collect();
    body.push_str(&figure_html(&chart::bars(
        "Outcomes sent, every stage",
        &bars,
        560,
        240,
    )?));
    for name in ["outcomes", "uphold_rates"] {
        if let Some(t) = by(name) {
            body.push_str(&table_html(t));
        }
    }

    body.push_str("<h2>Remedies, refusals and referrals</h2>\n");
    for name in ["remedies", "refusals"] {
        if let Some(t) = by(name) {
            body.push_str(&table_html(t));
        }
    }
    body.push_str(&format!(
        "<p>Cases referred to an external body (the Ombudsman or a regulator): {}.</p>\n",
        f.referred_externally
    ));

    body.push_str("<h2>Satisfaction with the handling</h2>\n");
    if let Some(t) = by("survey") {
        body.push_str(&table_html(t));
    }

    body.push_str("<h2>Lessons learnt</h2>\n");
    if let Some(t) = by("lessons") {
        body.push_str(&table_html(t));
    }

    body.push_str("<h2>By quarter</h2>\n");
    if let Some(t) = by("psow") {
        body.push_str(&table_html(&transposed(t)));
    }
    if let Some(t) = by("weekly") {
        body.push_str(&table_html(t));
    }

    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}: complaints performance report, {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&report.organisation),
        esc(&period)
    ))
}
