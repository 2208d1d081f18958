//! Mail templates (handlebars): one source per template under `templates/`,
//! rendered twice, as plain text (no escaping) and as HTML (escaping on), to
//! make a multipart/alternative message. An organisation can override any
//! template, and give its own HTML version, in the directory named in config.
//!
//! File format: the first line is `Subject: …`, then a blank line, then the
//! body. The subject is rendered without line breaks, so no value can inject
//! a header.

use crate::config::template_data;
use crate::core::case::TemplateId;
use handlebars::Handlebars;
use serde::Serialize;
use std::path::Path;
use strum::IntoEnumIterator;

/// The built-in templates, compiled into the binary so `demo` and a bare
/// install work without files.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "acknowledgement",
        include_str!("../../templates/acknowledgement.hbs"),
    ),
    (
        "triage_acknowledgement",
        include_str!("../../templates/triage_acknowledgement.hbs"),
    ),
    (
        "compliment_thanks",
        include_str!("../../templates/compliment_thanks.hbs"),
    ),
    (
        "comment_thanks",
        include_str!("../../templates/comment_thanks.hbs"),
    ),
    (
        "handler_notification",
        include_str!("../../templates/handler_notification.hbs"),
    ),
    (
        "stage_response",
        include_str!("../../templates/stage_response.hbs"),
    ),
    (
        "correspondence",
        include_str!("../../templates/correspondence.hbs"),
    ),
    (
        "delay_notice",
        include_str!("../../templates/delay_notice.hbs"),
    ),
    ("chase_up", include_str!("../../templates/chase_up.hbs")),
    (
        "breach_alert",
        include_str!("../../templates/breach_alert.hbs"),
    ),
    (
        "consent_request",
        include_str!("../../templates/consent_request.hbs"),
    ),
    (
        "anonymous_decision_request",
        include_str!("../../templates/anonymous_decision_request.hbs"),
    ),
    (
        "appeals_redirect",
        include_str!("../../templates/appeals_redirect.hbs"),
    ),
    (
        "late_escalation_notice",
        include_str!("../../templates/late_escalation_notice.hbs"),
    ),
    (
        "late_escalation_received",
        include_str!("../../templates/late_escalation_received.hbs"),
    ),
    (
        "new_case_notice",
        include_str!("../../templates/new_case_notice.hbs"),
    ),
    ("flag_alert", include_str!("../../templates/flag_alert.hbs")),
    (
        "handoff_notice",
        include_str!("../../templates/handoff_notice.hbs"),
    ),
    (
        "complainant_update",
        include_str!("../../templates/complainant_update.hbs"),
    ),
    (
        "outcome_notice",
        include_str!("../../templates/outcome_notice.hbs"),
    ),
    (
        "command_report",
        include_str!("../../templates/command_report.hbs"),
    ),
    (
        "unverified_sender",
        include_str!("../../templates/unverified_sender.hbs"),
    ),
    (
        "lessons_request",
        include_str!("../../templates/lessons_request.hbs"),
    ),
    (
        "external_referral",
        include_str!("../../templates/external_referral.hbs"),
    ),
    (
        "withdrawal_confirmation",
        include_str!("../../templates/withdrawal_confirmation.hbs"),
    ),
    (
        "closure_notice",
        include_str!("../../templates/closure_notice.hbs"),
    ),
    (
        "daily_digest",
        include_str!("../../templates/daily_digest.hbs"),
    ),
    (
        "third_party_message",
        include_str!("../../templates/third_party_message.hbs"),
    ),
    (
        "data_protection_acknowledgement",
        include_str!("../../templates/data_protection_acknowledgement.hbs"),
    ),
    (
        "data_protection_update",
        include_str!("../../templates/data_protection_update.hbs"),
    ),
    (
        "satisfaction_survey",
        include_str!("../../templates/satisfaction_survey.hbs"),
    ),
    (
        "command_done",
        include_str!("../../templates/command_done.hbs"),
    ),
    (
        "draft_confirmation",
        include_str!("../../templates/draft_confirmation.hbs"),
    ),
    (
        "send_receipt",
        include_str!("../../templates/send_receipt.hbs"),
    ),
    (
        "remedy_done",
        include_str!("../../templates/remedy_done.hbs"),
    ),
    (
        "late_complaint",
        include_str!("../../templates/late_complaint.hbs"),
    ),
    (
        "handler_needed",
        include_str!("../../templates/handler_needed.hbs"),
    ),
    (
        "remedy_reminder",
        include_str!("../../templates/remedy_reminder.hbs"),
    ),
    (
        "refusal_notice",
        include_str!("../../templates/refusal_notice.hbs"),
    ),
];

/// `{{link URL WORDS…}}`: a one-click link, its label the words joined. In
/// the text part `WORDS <URL>` (clients make a `mailto:` in angle brackets
/// clickable); in the HTML part an anchor, URL and label escaped. An empty
/// URL (mail to someone who has no token) gives the words alone.
fn link_helper(html: bool) -> impl handlebars::HelperDef + Clone + Send + Sync {
    move |h: &handlebars::Helper<'_>,
          _: &Handlebars<'_>,
          _: &handlebars::Context,
          _: &mut handlebars::RenderContext<'_, '_>,
          out: &mut dyn handlebars::Output|
          -> handlebars::HelperResult {
        let word = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let url = h.param(0).map(|p| word(p.value())).unwrap_or_default();
        let label: String = h.params().iter().skip(1).map(|p| word(p.value())).collect();
        let s = match (html, url.is_empty()) {
            (true, true) => handlebars::html_escape(&label),
            (true, false) => format!(
                "<a href=\"{}\">{}</a>",
                handlebars::html_escape(&url),
                handlebars::html_escape(&label)
            ),
            (false, true) => label,
            (false, false) => format!("{label} <{url}>"),
        };
        out.write(&s)?;
        Ok(())
    }
}

/// A template problem: which template (and file), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {name} ({source_file}): {message}")]
pub struct TemplateError {
    /// Template name.
    pub name: String,
    /// Where it came from (built-in or a path).
    pub source_file: String,
    /// What is wrong.
    pub message: String,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, no CR/LF.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

/// The loaded template set.
pub struct Templates {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
    sources: Vec<(String, String)>,
}

fn split_subject(
    name: &str,
    source: &str,
    content: &str,
) -> Result<(String, String), TemplateError> {
    let err = |m: &str| TemplateError {
        name: name.to_string(),
        source_file: source.to_string(),
        message: m.to_string(),
    };
    let content = content.replace("\r\n", "\n");
    let (first, rest) = content
        .split_once('\n')
        .ok_or_else(|| err("needs a Subject: line, a blank line, then the body"))?;
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| err("the first line must start with \"Subject:\""))?
        .trim()
        .to_string();
    let body = rest.strip_prefix('\n').unwrap_or(rest).to_string();
    Ok((subject, body))
}

/// A plain-text template made ready for the HTML rendering: its own words
/// are text too, so `<`, `>` and `&` outside `{{…}}` are escaped like the
/// values are (`Jo <jo@example.test>` would otherwise be an unknown HTML tag,
/// and the address invisible). What is inside the braces is left for
/// handlebars.
fn escape_literal_html(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") {
            let close = if rest.starts_with("{{!--") {
                "--}}"
            } else if rest.starts_with("{{{{") {
                "}}}}"
            } else if rest.starts_with("{{{") {
                "}}}"
            } else {
                "}}"
            };
            // Unclosed: copy the rest as it is and let handlebars report it.
            let end = rest[2..]
                .find(close)
                .map_or(rest.len(), |i| i + 2 + close.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Plain text paragraphs to simple HTML (the input is already escaped).
fn paragraphs(escaped: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family:Arial,sans-serif;font-size:14px\">\n",
    );
    for para in escaped.split("\n\n") {
        let p = para.trim_matches('\n');
        if p.is_empty() {
            continue;
        }
        html.push_str("<p>");
        html.push_str(&p.lines().collect::<Vec<_>>().join("<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body></html>\n");
    html
}

impl Templates {
    /// Load the built-in templates, then overrides from `dir` (`NAME.hbs`
    /// replaces a template; `NAME.html.hbs` gives it its own HTML body).
    pub fn load(dir: Option<&Path>) -> Result<Templates, Vec<TemplateError>> {
        let mut text = Handlebars::new();
        text.register_escape_fn(handlebars::no_escape);
        text.register_helper("link", Box::new(link_helper(false)));
        let mut html = Handlebars::new();
        html.register_helper("link", Box::new(link_helper(true)));
        let mut errors = Vec::new();
        let mut sources = Vec::new();
        for (name, builtin) in BUILT_IN {
            let mut source = "built-in".to_string();
            let mut content = builtin.to_string();
            let mut html_override = None;
            if let Some(d) = dir {
                let p = d.join(format!("{name}.hbs"));
                if p.exists() {
                    match std::fs::read_to_string(&p) {
                        Ok(c) => {
                            content = c;
                            source = p.display().to_string();
                        }
                        Err(e) => errors.push(TemplateError {
                            name: name.to_string(),
                            source_file: p.display().to_string(),
                            message: format!("cannot read: {e}"),
                        }),
                    }
                }
                let hp = d.join(format!("{name}.html.hbs"));
                if hp.exists() {
                    match std::fs::read_to_string(&hp) {
                        Ok(c) => html_override = Some((hp.display().to_string(), c)),
                        Err(e) => errors.push(TemplateError {
                            name: name.to_string(),
                            source_file: hp.display().to_string(),
                            message: format!("cannot read: {e}"),
                        }),
                    }
                }
            }
            let (subject, body) = match split_subject(name, &source, &content) {
                Ok(x) => x,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let mut reg = |r: &mut Handlebars<'static>, key: String, t: &str, src: &str| {
                if let Err(e) = r.register_template_string(&key, t) {
                    errors.push(TemplateError {
                        name: name.to_string(),
                        source_file: src.to_string(),
                        message: e.to_string(),
                    });
                }
            };
            reg(&mut text, format!("{name}.subject"), &subject, &source);
            reg(&mut text, format!("{name}.body"), &body, &source);
            match &html_override {
                Some((src, c)) => reg(&mut html, format!("{name}.html"), c, src),
                None => reg(
                    &mut html,
                    format!("{name}.body"),
                    &escape_literal_html(&body),
                    &source,
                ),
            }
            sources.push((name.to_string(), source));
        }
        if errors.is_empty() {
            Ok(Templates {
                text,
                html,
                sources,
            })
        } else {
            Err(errors)
        }
    }

    fn source(&self, name: &str) -> String {
        self.sources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| "built-in".into())
    }

    /// Add a helper `{{name …}}` to both renderings (text and HTML), for an
    /// embedding program's own template functions. Helpers run while a mail
    /// is rendered, which is never inside a database transaction.
    pub fn register_helper<H>(&mut self, name: &str, helper: H)
    where
        H: handlebars::HelperDef + Clone + Send + Sync + 'static,
    {
        self.text.register_helper(name, Box::new(helper.clone()));
        self.html.register_helper(name, Box::new(helper));
    }

    /// Render a template with `data` (the type of its family in
    /// [`crate::config::template_data`]).
    pub fn render<T: Serialize>(
        &self,
        id: TemplateId,
        data: &T,
    ) -> Result<Rendered, TemplateError> {
        let name = id.name();
        let err = |e: handlebars::RenderError| TemplateError {
            name: name.to_string(),
            source_file: self.source(name),
            message: e.to_string(),
        };
        let subject = self
            .text
            .render(&format!("{name}.subject"), data)
            .map_err(err)?;
        // Header safety: a subject is one line whatever the data held.
        let subject = subject.replace(['\r', '\n'], " ").trim().to_string();
        let text = self
            .text
            .render(&format!("{name}.body"), data)
            .map_err(err)?;
        let html = if self.html.has_template(&format!("{name}.html")) {
            self.html
                .render(&format!("{name}.html"), data)
                .map_err(err)?
        } else {
            paragraphs(
                &self
                    .html
                    .render(&format!("{name}.body"), data)
                    .map_err(err)?,
            )
        };
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }

    /// Render every template in strict mode with the sample data of its
    /// family (`template_data`), so a misspelt or missing variable is an
    /// error here rather than at send time.
    pub fn check(&self) -> Vec<TemplateError> {
        let mut strict_text = self.text.clone();
        strict_text.set_strict_mode(true);
        let mut strict_html = self.html.clone();
        strict_html.set_strict_mode(true);
        let strict = Templates {
            text: strict_text,
            html: strict_html,
            sources: self.sources.clone(),
        };
        TemplateId::iter()
            .filter_map(|id| strict.render(id, &template_data::sample(id)).err())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::template_data::CaseMail;

    #[test]
    fn built_ins_load_and_pass_the_strict_check() {
        let t = Templates::load(None).expect("built-in templates load");
        let problems = t.check();
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let t = Templates::load(None).expect("load");
        let r = t
            .render(TemplateId::StageResponse, &CaseMail::sample())
            .expect("render");
        assert!(r.text.contains("<with> & characters"));
        assert!(r.html.contains("&lt;with&gt; &amp; characters"));
        assert!(r.subject.starts_with("[CMP-2026-0042]"));
    }

    #[test]
    fn literal_angle_brackets_in_a_template_stay_visible_in_html() {
        let t = Templates::load(None).expect("load");
        let r = t
            .render(TemplateId::HandlerNotification, &CaseMail::sample())
            .expect("render");
        assert!(
            r.html
                .contains("Jennifer Saunders &lt;jennifer@example.test&gt;"),
            "{}",
            r.html
        );
        assert!(r.text.contains("Jennifer Saunders <jennifer@example.test>"));
        assert_eq!(
            escape_literal_html("a <b> & {{x}} {{{y}}} {{!-- <c> --}} {{#if z}}<{{/if}}"),
            "a &lt;b&gt; &amp; {{x}} {{{y}}} {{!-- <c> --}} {{#if z}}&lt;{{/if}}"
        );
        assert_eq!(escape_literal_html("é <{{unclosed"), "é &lt;{{unclosed");
    }

    #[test]
    fn links_are_anchors_in_html_and_bracketed_in_text() {
        let t = Templates::load(None).expect("load");
        let mut d = CaseMail::sample();
        d.links.respond = "mailto:c+R.tab.send@x.test?subject=a&body=b".into();
        d.complainant.name = "Jo <Bloggs>".into();
        let r = t
            .render(TemplateId::HandlerNotification, &d)
            .expect("render");
        assert!(
            r.text.contains("Send the Stage 1 response to Jo <Bloggs> <mailto:c+R.tab.send@x.test?subject=a&body=b>"),
            "{}",
            r.text
        );
        assert!(
            r.html.contains("<a href=\"mailto:c+R.tab.send@x.test?subject&#x3D;a&amp;body&#x3D;b\">Send the Stage 1 response to Jo &lt;Bloggs&gt;</a>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn subject_cannot_inject_headers() {
        let t = Templates::load(None).expect("load");
        let mut d = CaseMail::sample();
        d.case.reference = "X\r\nBcc: victim@example.test".into();
        let r = t.render(TemplateId::Acknowledgement, &d).expect("render");
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
    }

    #[test]
    fn each_template_is_checked_with_its_own_familys_data() {
        // The digest is not about a case: a case's reference in it is a
        // mistake the check finds.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("daily_digest.hbs"),
            "Subject: digest {{digest.date}}\n\n{{case.reference}}",
        )
        .expect("write");
        let problems = Templates::load(Some(dir.path())).expect("load").check();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].name, "daily_digest");
    }

    #[test]
    fn overrides_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("acknowledgement.hbs"),
            "Subject: hi {{case.refrence}}\n\nbody",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path())).expect("load");
        let problems = t.check();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].source_file.ends_with("acknowledgement.hbs"));
        std::fs::write(dir.path().join("closure_notice.hbs"), "no subject line").expect("write");
        assert!(Templates::load(Some(dir.path())).is_err());
    }
}
