//! Mail templates (handlebars): one source per template and language under
//! `templates/<lang>/`, rendered twice, as plain text (no escaping) and as
//! HTML (escaping on), to make a multipart/alternative message. An
//! organisation can override any template, and give its own HTML version, in
//! the directory named in config (`<dir>/<lang>/NAME.hbs`; a flat
//! `<dir>/NAME.hbs` is the working language, as before languages).
//!
//! Staff mail exists in the working language only; every template a
//! complainant can receive ([`TemplateId::is_complainant_facing`]) must exist
//! in every configured language, or loading fails naming each one missing.
//! Bilingual mail renders each language and joins them in one message
//! ([`Templates::render_languages`]).
//!
//! File format: the first line is `Subject: …`, then a blank line, then the
//! body. The subject is rendered without line breaks, so no value can inject
//! a header.

use crate::config::template_data;
use crate::config::WORKING_LANGUAGE;
use crate::core::case::TemplateId;
use handlebars::Handlebars;
use serde::Serialize;
use std::path::Path;
use strum::IntoEnumIterator;

/// The built-in English templates, compiled into the binary so `demo` and a
/// bare install work without files.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "acknowledgement",
        include_str!("../../templates/en/acknowledgement.hbs"),
    ),
    (
        "triage_acknowledgement",
        include_str!("../../templates/en/triage_acknowledgement.hbs"),
    ),
    (
        "compliment_thanks",
        include_str!("../../templates/en/compliment_thanks.hbs"),
    ),
    (
        "comment_thanks",
        include_str!("../../templates/en/comment_thanks.hbs"),
    ),
    (
        "handler_notification",
        include_str!("../../templates/en/handler_notification.hbs"),
    ),
    (
        "stage_response",
        include_str!("../../templates/en/stage_response.hbs"),
    ),
    (
        "correspondence",
        include_str!("../../templates/en/correspondence.hbs"),
    ),
    (
        "delay_notice",
        include_str!("../../templates/en/delay_notice.hbs"),
    ),
    ("chase_up", include_str!("../../templates/en/chase_up.hbs")),
    (
        "breach_alert",
        include_str!("../../templates/en/breach_alert.hbs"),
    ),
    (
        "consent_request",
        include_str!("../../templates/en/consent_request.hbs"),
    ),
    (
        "anonymous_decision_request",
        include_str!("../../templates/en/anonymous_decision_request.hbs"),
    ),
    (
        "appeals_redirect",
        include_str!("../../templates/en/appeals_redirect.hbs"),
    ),
    (
        "late_escalation_notice",
        include_str!("../../templates/en/late_escalation_notice.hbs"),
    ),
    (
        "late_escalation_received",
        include_str!("../../templates/en/late_escalation_received.hbs"),
    ),
    (
        "new_case_notice",
        include_str!("../../templates/en/new_case_notice.hbs"),
    ),
    (
        "flag_alert",
        include_str!("../../templates/en/flag_alert.hbs"),
    ),
    (
        "handoff_notice",
        include_str!("../../templates/en/handoff_notice.hbs"),
    ),
    (
        "complainant_update",
        include_str!("../../templates/en/complainant_update.hbs"),
    ),
    (
        "outcome_notice",
        include_str!("../../templates/en/outcome_notice.hbs"),
    ),
    (
        "command_report",
        include_str!("../../templates/en/command_report.hbs"),
    ),
    (
        "unverified_sender",
        include_str!("../../templates/en/unverified_sender.hbs"),
    ),
    (
        "lessons_request",
        include_str!("../../templates/en/lessons_request.hbs"),
    ),
    (
        "external_referral",
        include_str!("../../templates/en/external_referral.hbs"),
    ),
    (
        "withdrawal_confirmation",
        include_str!("../../templates/en/withdrawal_confirmation.hbs"),
    ),
    (
        "closure_notice",
        include_str!("../../templates/en/closure_notice.hbs"),
    ),
    (
        "daily_digest",
        include_str!("../../templates/en/daily_digest.hbs"),
    ),
    (
        "third_party_message",
        include_str!("../../templates/en/third_party_message.hbs"),
    ),
    (
        "unproven_message",
        include_str!("../../templates/en/unproven_message.hbs"),
    ),
    (
        "data_protection_acknowledgement",
        include_str!("../../templates/en/data_protection_acknowledgement.hbs"),
    ),
    (
        "data_protection_update",
        include_str!("../../templates/en/data_protection_update.hbs"),
    ),
    (
        "satisfaction_survey",
        include_str!("../../templates/en/satisfaction_survey.hbs"),
    ),
    (
        "command_done",
        include_str!("../../templates/en/command_done.hbs"),
    ),
    (
        "draft_confirmation",
        include_str!("../../templates/en/draft_confirmation.hbs"),
    ),
    (
        "send_receipt",
        include_str!("../../templates/en/send_receipt.hbs"),
    ),
    (
        "remedy_done",
        include_str!("../../templates/en/remedy_done.hbs"),
    ),
    (
        "late_complaint",
        include_str!("../../templates/en/late_complaint.hbs"),
    ),
    (
        "handler_needed",
        include_str!("../../templates/en/handler_needed.hbs"),
    ),
    (
        "remedy_reminder",
        include_str!("../../templates/en/remedy_reminder.hbs"),
    ),
    (
        "refusal_notice",
        include_str!("../../templates/en/refusal_notice.hbs"),
    ),
];

/// Built-in HTML bodies of their own, in the working language, for the
/// templates whose HTML part is more than the text's paragraphs (the
/// digest's tables and chart). Used while the template's text is the
/// built-in one too: an organisation that rewrites the text gets its own
/// words in both parts unless it gives `NAME.html.hbs` as well.
const BUILT_IN_HTML: &[(&str, &str)] = &[(
    "daily_digest",
    include_str!("../../templates/en/daily_digest.html.hbs"),
)];

/// The built-in templates of other languages than English (complainant-facing
/// ones only), by language.
const BUILT_IN_OTHER: &[(&str, &[(&str, &str)])] = &[("cy", BUILT_IN_CY)];

/// The built-in Welsh templates (`templates/cy/`; sources and terminology in
/// its README).
const BUILT_IN_CY: &[(&str, &str)] = &[
    (
        "acknowledgement",
        include_str!("../../templates/cy/acknowledgement.hbs"),
    ),
    (
        "triage_acknowledgement",
        include_str!("../../templates/cy/triage_acknowledgement.hbs"),
    ),
    (
        "compliment_thanks",
        include_str!("../../templates/cy/compliment_thanks.hbs"),
    ),
    (
        "comment_thanks",
        include_str!("../../templates/cy/comment_thanks.hbs"),
    ),
    (
        "stage_response",
        include_str!("../../templates/cy/stage_response.hbs"),
    ),
    (
        "correspondence",
        include_str!("../../templates/cy/correspondence.hbs"),
    ),
    (
        "delay_notice",
        include_str!("../../templates/cy/delay_notice.hbs"),
    ),
    (
        "consent_request",
        include_str!("../../templates/cy/consent_request.hbs"),
    ),
    (
        "appeals_redirect",
        include_str!("../../templates/cy/appeals_redirect.hbs"),
    ),
    (
        "late_escalation_received",
        include_str!("../../templates/cy/late_escalation_received.hbs"),
    ),
    (
        "external_referral",
        include_str!("../../templates/cy/external_referral.hbs"),
    ),
    (
        "withdrawal_confirmation",
        include_str!("../../templates/cy/withdrawal_confirmation.hbs"),
    ),
    (
        "closure_notice",
        include_str!("../../templates/cy/closure_notice.hbs"),
    ),
    (
        "refusal_notice",
        include_str!("../../templates/cy/refusal_notice.hbs"),
    ),
    (
        "remedy_done",
        include_str!("../../templates/cy/remedy_done.hbs"),
    ),
    (
        "data_protection_acknowledgement",
        include_str!("../../templates/cy/data_protection_acknowledgement.hbs"),
    ),
    (
        "data_protection_update",
        include_str!("../../templates/cy/data_protection_update.hbs"),
    ),
    (
        "satisfaction_survey",
        include_str!("../../templates/cy/satisfaction_survey.hbs"),
    ),
];

/// The built-in source of `name` in `lang`, if there is one.
fn built_in(lang: &str, name: &str) -> Option<&'static str> {
    let list: &[(&str, &str)] = if lang == WORKING_LANGUAGE {
        BUILT_IN
    } else {
        BUILT_IN_OTHER
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(&[], |(_, list)| *list)
    };
    list.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

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
    /// `lang/name` and where it came from.
    sources: Vec<(String, String)>,
    /// The languages complainants are written to in (the working language
    /// is always loaded besides).
    languages: Vec<String>,
}

/// What separates the languages of a bilingual mail's text part.
const LANGUAGE_BREAK: &str = "\n\n--------------------------------------------\n\n";

/// Read `path` if it exists: `Ok(None)` when it does not.
fn read_if_exists(path: &Path, name: &str) -> Result<Option<String>, TemplateError> {
    if !path.exists() {
        return Ok(None);
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| TemplateError {
            name: name.to_string(),
            source_file: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })
}

/// The source of template `name` in `lang`: the organisation's
/// `<dir>/<lang>/NAME.hbs`, else (working language) its flat `<dir>/NAME.hbs`,
/// else the built-in one. `None` when there is none.
fn find_source(
    dir: Option<&Path>,
    lang: &str,
    name: &str,
    errors: &mut Vec<TemplateError>,
) -> Option<(String, String)> {
    if let Some(d) = dir {
        let mut candidates = vec![d.join(lang).join(format!("{name}.hbs"))];
        if lang == WORKING_LANGUAGE {
            candidates.push(d.join(format!("{name}.hbs")));
        }
        for p in candidates {
            match read_if_exists(&p, name) {
                Ok(Some(c)) => return Some((p.display().to_string(), c)),
                Ok(None) => {}
                Err(e) => {
                    errors.push(e);
                    return None;
                }
            }
        }
    }
    built_in(lang, name).map(|c| ("built-in".to_string(), c.to_string()))
}

/// The organisation's own HTML body of `name` in `lang`, if it gave one.
fn find_html(
    dir: Option<&Path>,
    lang: &str,
    name: &str,
    errors: &mut Vec<TemplateError>,
) -> Option<(String, String)> {
    let d = dir?;
    let mut candidates = vec![d.join(lang).join(format!("{name}.html.hbs"))];
    if lang == WORKING_LANGUAGE {
        candidates.push(d.join(format!("{name}.html.hbs")));
    }
    for p in candidates {
        match read_if_exists(&p, name) {
            Ok(Some(c)) => return Some((p.display().to_string(), c)),
            Ok(None) => {}
            Err(e) => {
                errors.push(e);
                return None;
            }
        }
    }
    None
}

/// Two HTML documents as one: the second's body after the first's, with a
/// rule between.
fn join_html(first: &str, second: &str) -> String {
    let end = first.rfind("</body>");
    let start = second
        .find("<body")
        .and_then(|i| second[i..].find('>').map(|j| i + j + 1));
    match (end, start) {
        (Some(e), Some(s)) => format!("{}<hr>\n{}", &first[..e], &second[s..]),
        _ => format!("{first}<hr>\n{second}"),
    }
}

/// Two subjects as one, "first / second", the second without the `[REF]`
/// tag both start with.
fn join_subjects(first: &str, second: &str) -> String {
    let tag = |s: &str| {
        s.strip_prefix('[')
            .and_then(|r| r.find(']'))
            .map(|i| s[..i + 2].to_string())
    };
    let second = match (tag(first), tag(second)) {
        (Some(a), Some(b)) if a == b => second[b.len()..].trim_start(),
        _ => second,
    };
    format!("{first} / {second}")
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
    /// Load the built-in templates in the working language, then overrides
    /// from `dir` (`NAME.hbs` or `en/NAME.hbs` replaces a template;
    /// `NAME.html.hbs` gives it its own HTML body); and for every other
    /// language of `languages`, each complainant-facing template from
    /// `dir/<lang>/` or the built-in ones. A template missing for a
    /// configured language is an error.
    pub fn load(dir: Option<&Path>, languages: &[String]) -> Result<Templates, Vec<TemplateError>> {
        let mut text = Handlebars::new();
        text.register_escape_fn(handlebars::no_escape);
        text.register_helper("link", Box::new(link_helper(false)));
        let mut html = Handlebars::new();
        html.register_helper("link", Box::new(link_helper(true)));
        let mut errors = Vec::new();
        let mut sources = Vec::new();
        let mut langs = vec![WORKING_LANGUAGE.to_string()];
        for l in languages {
            if !langs.contains(l) {
                langs.push(l.clone());
            }
        }
        for lang in &langs {
            for id in TemplateId::iter() {
                let name = id.name();
                if lang != WORKING_LANGUAGE && !id.is_complainant_facing() {
                    continue;
                }
                let Some((source, content)) = find_source(dir, lang, name, &mut errors) else {
                    if built_in(WORKING_LANGUAGE, name).is_some() || lang != WORKING_LANGUAGE {
                        errors.push(TemplateError {
                            name: name.to_string(),
                            source_file: dir.map_or_else(
                                || format!("templates/{lang}/{name}.hbs"),
                                |d| d.join(lang).join(format!("{name}.hbs")).display().to_string(),
                            ),
                            message: format!(
                                "missing: a complainant may be written to in {lang:?}, and there is no {name} template in it"
                            ),
                        });
                    }
                    continue;
                };
                let html_override = find_html(dir, lang, name, &mut errors).or_else(|| {
                    BUILT_IN_HTML
                        .iter()
                        .find(|(n, _)| {
                            *n == name && lang == WORKING_LANGUAGE && source == "built-in"
                        })
                        .map(|(_, c)| ("built-in".to_string(), c.to_string()))
                });
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
                reg(
                    &mut text,
                    format!("{lang}/{name}.subject"),
                    &subject,
                    &source,
                );
                reg(&mut text, format!("{lang}/{name}.body"), &body, &source);
                match &html_override {
                    Some((src, c)) => reg(&mut html, format!("{lang}/{name}.html"), c, src),
                    None => reg(
                        &mut html,
                        format!("{lang}/{name}.body"),
                        &escape_literal_html(&body),
                        &source,
                    ),
                }
                sources.push((format!("{lang}/{name}"), source));
            }
        }
        if errors.is_empty() {
            Ok(Templates {
                text,
                html,
                sources,
                languages: langs,
            })
        } else {
            Err(errors)
        }
    }

    fn source(&self, lang: &str, name: &str) -> String {
        let key = format!("{lang}/{name}");
        self.sources
            .iter()
            .find(|(n, _)| *n == key)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| "built-in".into())
    }

    /// Whether template `id` can be rendered in `lang`.
    pub fn has(&self, id: TemplateId, lang: &str) -> bool {
        self.text
            .has_template(&format!("{lang}/{}.body", id.name()))
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

    /// Render a template in the working language with `data` (the type of
    /// its family in [`crate::config::template_data`]).
    pub fn render<T: Serialize>(
        &self,
        id: TemplateId,
        data: &T,
    ) -> Result<Rendered, TemplateError> {
        self.render_in(id, WORKING_LANGUAGE, data)
    }

    /// Render a template in `lang` (the working language for a template
    /// that does not exist in it: staff mail).
    pub fn render_in<T: Serialize>(
        &self,
        id: TemplateId,
        lang: &str,
        data: &T,
    ) -> Result<Rendered, TemplateError> {
        let name = id.name();
        let lang = if self.has(id, lang) {
            lang
        } else {
            WORKING_LANGUAGE
        };
        let err = |e: handlebars::RenderError| TemplateError {
            name: name.to_string(),
            source_file: self.source(lang, name),
            message: e.to_string(),
        };
        let subject = self
            .text
            .render(&format!("{lang}/{name}.subject"), data)
            .map_err(err)?;
        // Header safety: a subject is one line whatever the data held.
        let subject = subject.replace(['\r', '\n'], " ").trim().to_string();
        let text = self
            .text
            .render(&format!("{lang}/{name}.body"), data)
            .map_err(err)?;
        let html = if self.html.has_template(&format!("{lang}/{name}.html")) {
            self.html
                .render(&format!("{lang}/{name}.html"), data)
                .map_err(err)?
        } else {
            paragraphs(
                &self
                    .html
                    .render(&format!("{lang}/{name}.body"), data)
                    .map_err(err)?,
            )
        };
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }

    /// Render a template once per language, each with its own data (dates
    /// and words written in that language), and join them in that order in
    /// one mail: subjects "first / second", texts and HTML one after the
    /// other with a rule between. One language is a plain [`Self::render_in`].
    pub fn render_languages<T: Serialize>(
        &self,
        id: TemplateId,
        parts: &[(String, T)],
    ) -> Result<Rendered, TemplateError> {
        let mut out: Option<Rendered> = None;
        for (lang, data) in parts {
            let r = self.render_in(id, lang, data)?;
            out = Some(match out {
                None => r,
                Some(o) => Rendered {
                    subject: join_subjects(&o.subject, &r.subject),
                    text: format!(
                        "{}{LANGUAGE_BREAK}{}",
                        o.text.trim_end(),
                        r.text.trim_start()
                    ),
                    html: join_html(&o.html, &r.html),
                },
            });
        }
        out.ok_or_else(|| TemplateError {
            name: id.name().to_string(),
            source_file: "built-in".into(),
            message: "rendered in no language".into(),
        })
    }

    /// Render every template in every language it exists in, in strict
    /// mode with the sample data of its family (`template_data`), so a
    /// misspelt or missing variable is an error here rather than at send
    /// time.
    pub fn check(&self) -> Vec<TemplateError> {
        let mut strict_text = self.text.clone();
        strict_text.set_strict_mode(true);
        let mut strict_html = self.html.clone();
        strict_html.set_strict_mode(true);
        let strict = Templates {
            text: strict_text,
            html: strict_html,
            sources: self.sources.clone(),
            languages: self.languages.clone(),
        };
        let mut problems = Vec::new();
        for lang in &self.languages {
            for id in TemplateId::iter().filter(|id| strict.has(*id, lang)) {
                if let Err(mut e) = strict.render_in(id, lang, &template_data::sample(id)) {
                    if lang != WORKING_LANGUAGE {
                        e.name = format!("{lang}/{}", e.name);
                    }
                    problems.push(e);
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::template_data::CaseMail;

    #[test]
    fn built_ins_load_and_pass_the_strict_check() {
        let t = Templates::load(None, &[]).expect("built-in templates load");
        let problems = t.check();
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let t = Templates::load(None, &[]).expect("load");
        let r = t
            .render(TemplateId::StageResponse, &CaseMail::sample())
            .expect("render");
        assert!(r.text.contains("<with> & characters"));
        assert!(r.html.contains("&lt;with&gt; &amp; characters"));
        assert!(r.subject.starts_with("[CMP-2026-0042]"));
    }

    #[test]
    fn literal_angle_brackets_in_a_template_stay_visible_in_html() {
        let t = Templates::load(None, &[]).expect("load");
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
        let t = Templates::load(None, &[]).expect("load");
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
        let t = Templates::load(None, &[]).expect("load");
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
        let problems = Templates::load(Some(dir.path()), &[])
            .expect("load")
            .check();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].name, "daily_digest");
    }

    #[test]
    fn the_digest_has_its_own_html_until_an_organisation_rewrites_its_text() {
        let data = crate::config::template_data::DigestMail::sample();
        let built_in = Templates::load(None, &[])
            .expect("load")
            .render(TemplateId::DailyDigest, &data)
            .expect("render");
        assert!(built_in.html.contains("role=\"presentation\""));
        assert!(built_in
            .html
            .contains("src=\"cid:chart.digest@example.test\""));
        assert!(built_in.text.contains("NEEDS ACTION TODAY (1)"));
        // Their own words in the text: the HTML is made from them, not from
        // the built-in layout that would say something else.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("daily_digest.hbs"),
            "Subject: digest {{digest.date}}\n\nOur own digest for {{digest.date}}",
        )
        .expect("write");
        let theirs = Templates::load(Some(dir.path()), &[])
            .expect("load")
            .render(TemplateId::DailyDigest, &data)
            .expect("render");
        assert!(theirs.html.contains("Our own digest"), "{}", theirs.html);
        assert!(!theirs.html.contains("role=\"presentation\""));
    }

    #[test]
    fn overrides_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("acknowledgement.hbs"),
            "Subject: hi {{case.refrence}}\n\nbody",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path()), &[]).expect("load");
        let problems = t.check();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].source_file.ends_with("acknowledgement.hbs"));
        std::fs::write(dir.path().join("closure_notice.hbs"), "no subject line").expect("write");
        assert!(Templates::load(Some(dir.path()), &[]).is_err());
    }

    /// A minimal complainant-facing template set in `lang` under `dir`.
    fn write_language(dir: &Path, lang: &str, skip: &[&str]) {
        let d = dir.join(lang);
        std::fs::create_dir_all(&d).expect("mkdir");
        for id in TemplateId::iter().filter(|id| id.is_complainant_facing()) {
            if skip.contains(&id.name()) {
                continue;
            }
            std::fs::write(
                d.join(format!("{}.hbs", id.name())),
                format!(
                    "Subject: [{{{{case.reference}}}}] {lang} {}\n\n{lang}: {{{{case.kind}}}}\n",
                    id.name()
                ),
            )
            .expect("write");
        }
    }

    #[test]
    fn a_template_missing_for_a_configured_language_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_language(dir.path(), "xx", &["delay_notice", "closure_notice"]);
        let langs = vec!["xx".to_string(), "en".to_string()];
        let Err(errors) = Templates::load(Some(dir.path()), &langs) else {
            panic!("loaded with two templates missing");
        };
        let mut missing: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        missing.sort_unstable();
        assert_eq!(missing, ["closure_notice", "delay_notice"], "{errors:?}");
        assert!(errors[0].source_file.contains("xx"), "{errors:?}");
        assert!(errors[0].message.contains("\"xx\""), "{errors:?}");
        // Staff mail is never needed in another language.
        write_language(dir.path(), "xx", &[]);
        let t = Templates::load(Some(dir.path()), &langs).expect("complete");
        assert!(t.check().is_empty());
        assert!(t.has(TemplateId::Acknowledgement, "xx"));
        assert!(!t.has(TemplateId::HandlerNotification, "xx"));
    }

    #[test]
    fn a_misspelt_variable_in_another_language_fails_the_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_language(dir.path(), "xx", &[]);
        std::fs::write(
            dir.path().join("xx/closure_notice.hbs"),
            "Subject: x\n\n{{case.refrence}}",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path()), &["xx".to_string()]).expect("load");
        let problems = t.check();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].name, "xx/closure_notice");
    }

    #[test]
    fn per_language_overrides_win_and_the_flat_directory_is_english() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("closure_notice.hbs"),
            "Subject: flat\n\nflat",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path()), &[]).expect("load");
        let d = CaseMail::sample();
        assert_eq!(
            t.render(TemplateId::ClosureNotice, &d)
                .expect("render")
                .subject,
            "flat"
        );
        std::fs::create_dir_all(dir.path().join("en")).expect("mkdir");
        std::fs::write(
            dir.path().join("en/closure_notice.hbs"),
            "Subject: en dir\n\nen",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path()), &[]).expect("load");
        assert_eq!(
            t.render(TemplateId::ClosureNotice, &d)
                .expect("render")
                .subject,
            "en dir"
        );
    }

    #[test]
    fn bilingual_mail_is_one_message_first_language_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_language(dir.path(), "xx", &[]);
        let t =
            Templates::load(Some(dir.path()), &["xx".to_string(), "en".to_string()]).expect("load");
        let mut xx = CaseMail::sample();
        xx.case.kind = "kind-in-xx".into();
        let en = CaseMail::sample();
        let r = t
            .render_languages(
                TemplateId::ClosureNotice,
                &[("xx".to_string(), xx), ("en".to_string(), en)],
            )
            .expect("render");
        assert_eq!(
            r.subject,
            "[CMP-2026-0042] xx closure_notice / Your case is closed"
        );
        let xx_at = r.text.find("xx: kind-in-xx").expect("xx part");
        let en_at = r
            .text
            .find("Your case CMP-2026-0042 is now closed")
            .expect("en part");
        assert!(xx_at < en_at, "{}", r.text);
        assert_eq!(r.html.matches("<html>").count(), 1, "{}", r.html);
        assert!(r.html.contains("<hr>"), "{}", r.html);
    }
}
