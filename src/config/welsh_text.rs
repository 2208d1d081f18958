//! Tests of the Welsh built-in templates (`templates/cy/`) as text, apart
//! from how they are loaded and chosen: each renders in strict mode with
//! the sample data the English ones are checked with, uses only the English
//! template's variables (or one `templates/cy/VARIABLES.md` declares), and
//! puts no variable straight after a word that would mutate it (the value's
//! first letter cannot change, so the sentence must be built around it).
//! Both languages carry the statement that Welsh is welcome. The checks
//! run over every file in `templates/cy/`, so a new Welsh template is
//! checked without being listed; the Welsh letter uses every variable the
//! English one does, so it cannot fall behind when the English one grows.

use crate::config::template_data;
use crate::core::case::records::{Outcome, RefusalGround};
use crate::core::case::TemplateId;
use crate::core::locale;
use handlebars::Handlebars;
use std::collections::BTreeSet;
use std::path::PathBuf;
use strum::IntoEnumIterator;

/// The templates a complainant can receive (docs: the issue 15 seam note,
/// and issue 16's letters since). Each must have a Welsh version; the
/// checks below run over every file in `templates/cy/`, whatever this says.
const COMPLAINANT_FACING: &[&str] = &[
    "acknowledgement",
    "triage_acknowledgement",
    "compliment_thanks",
    "comment_thanks",
    "stage_response",
    "correspondence",
    "delay_notice",
    "consent_request",
    "appeals_redirect",
    "late_escalation_received",
    "external_referral",
    "withdrawal_confirmation",
    "closure_notice",
    "refusal_notice",
    "remedy_done",
    "data_protection_acknowledgement",
    "data_protection_update",
    "satisfaction_survey",
];

const WELCOME_CY: &str = "Rydym yn croesawu gohebiaeth yn Gymraeg a byddwn yn ateb yn Gymraeg; ni fydd hyn yn arwain at oedi.";
const WELCOME_EN: &str =
    "We welcome correspondence in Welsh and will respond in Welsh; this will not lead to a delay.";

fn templates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates")
}

fn read(lang: &str, name: &str) -> String {
    try_read(lang, name).unwrap_or_else(|| panic!("no {lang} template {name}"))
}

fn try_read(lang: &str, name: &str) -> Option<String> {
    let dir = templates_dir();
    // English moves from templates/ to templates/en/; read it where it is.
    let candidates = if lang == "en" {
        vec![
            dir.join("en").join(format!("{name}.hbs")),
            dir.join(format!("{name}.hbs")),
        ]
    } else {
        vec![dir.join(lang).join(format!("{name}.hbs"))]
    };
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
}

/// Every Welsh template, by name (`templates/cy/*.hbs`), sorted.
fn welsh_templates() -> Vec<String> {
    let dir = templates_dir().join("cy");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".hbs"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// `{{x.y}}`, `{{#if x.y}}`, `{{#each x}}` → the variable names used.
fn variables(template: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\{\{[#/]?(?:if |each |unless )?([a-z_][a-z_.]*)\s*\}\}")
        .expect("static regex");
    re.captures_iter(template)
        .map(|c| c[1].to_string())
        .filter(|v| !matches!(v.as_str(), "if" | "each" | "unless" | "else"))
        .collect()
}

/// Variables `templates/cy/VARIABLES.md` declares as new (lines `- \`name\``).
fn declared_new_variables() -> BTreeSet<String> {
    let text = std::fs::read_to_string(templates_dir().join("cy").join("VARIABLES.md"))
        .expect("templates/cy/VARIABLES.md");
    text.lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

fn render(template: &str, name: &str, welcome: bool) -> (String, String) {
    render_with(template, name, welcome, false)
}

/// Render with the sample data; `flip` turns over the sample's yes/no
/// variables (an escalation refused, an anonymous complaint, no greeting,
/// several contacts, no permission question), so the other branch of each
/// `{{#if}}` is rendered strictly too.
fn render_with(template: &str, name: &str, welcome: bool, flip: bool) -> (String, String) {
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    let (first, body) = template.split_once('\n').expect("subject line");
    let subject = first
        .strip_prefix("Subject:")
        .unwrap_or_else(|| panic!("{name}: first line must be Subject:"));
    let body = body.strip_prefix('\n').unwrap_or(body);
    hb.register_template_string("s", subject.trim())
        .unwrap_or_else(|e| panic!("{name} subject: {e}"));
    hb.register_template_string("b", body)
        .unwrap_or_else(|e| panic!("{name} body: {e}"));
    let id = TemplateId::iter()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("no TemplateId {name}"));
    let mut data = template_data::sample(id);
    data["languages"] = serde_json::json!({ "welsh_welcome": welcome });
    // What the renderer gives a Welsh mail (core::locale).
    data["case"]["kind"] = "cwyn".into();
    data["case"]["due"] = "dydd Gwener 27 Tachwedd 2026 am 17:00".into();
    data["case"]["stage_name"] = "Cam 1".into();
    data["vars"]["outcome"] = locale::outcome_words("cy", Outcome::PartlyUpheld).into();
    data["vars"]["ground"] = locale::refusal_ground_words("cy", RefusalGround::OutOfTime).into();
    data["vars"]["within"] = "30 diwrnod calendr".into();
    if flip {
        for flag in [
            "escalation",
            "anonymous",
            "greet",
            "many_contacts",
            "ask_permission",
        ] {
            let was = data["vars"][flag].as_bool().unwrap_or(false);
            data["vars"][flag] = (!was).into();
        }
    }
    let s = hb
        .render("s", &data)
        .unwrap_or_else(|e| panic!("{name} subject: {e}"));
    let b = hb
        .render("b", &data)
        .unwrap_or_else(|e| panic!("{name} body: {e}"));
    (s, b)
}

#[test]
fn every_welsh_template_renders_strictly_and_says_welsh_is_welcome() {
    for name in &welsh_templates() {
        let cy = read("cy", name);
        let (subject, body) = render(&cy, name, true);
        assert!(subject.starts_with("[CMP-2026-0042] "), "{name}: {subject}");
        assert!(body.contains(WELCOME_CY), "{name}:\n{body}");
        assert!(
            !body.contains("\n\n\n"),
            "{name}: a gap of two lines:\n{body}"
        );
        let (_, without) = render(&cy, name, false);
        assert!(!without.contains(WELCOME_CY), "{name}:\n{without}");
        assert!(!without.contains("\n\n\n"), "{name}:\n{without}");
        // For a reviewer of the Welsh: `SHOW_WELSH=1 cargo test --lib
        // config::welsh_text::every_welsh -- --nocapture` prints each letter.
        if std::env::var_os("SHOW_WELSH").is_some() {
            eprintln!("==== {name}\n{subject}\n{body}");
        }
        let (_, flipped) = render_with(&cy, name, true, true);
        assert!(flipped.contains(WELCOME_CY), "{name}:\n{flipped}");
        assert!(!flipped.contains("\n\n\n"), "{name}:\n{flipped}");
    }
}

/// Each template a complainant can receive has a Welsh version, and so
/// does any English template that says Welsh is welcome (a letter added to
/// the complainant's mail later carries that sentence, so it is caught
/// even before the list above names it).
#[test]
fn every_complainant_facing_template_has_a_welsh_version() {
    let welsh = welsh_templates();
    for name in COMPLAINANT_FACING {
        assert!(
            welsh.iter().any(|w| w == name),
            "no templates/cy/{name}.hbs"
        );
    }
    for id in TemplateId::iter() {
        let name = id.name();
        let en = read("en", name);
        if en.contains(WELCOME_EN) {
            assert!(
                welsh.iter().any(|w| w == name),
                "templates {name} says Welsh is welcome but has no templates/cy/{name}.hbs"
            );
        }
    }
}

/// A Welsh template translates an English one: none stands alone.
#[test]
fn every_welsh_template_has_an_english_one() {
    for name in welsh_templates() {
        assert!(
            try_read("en", &name).is_some(),
            "templates/cy/{name}.hbs translates no English template"
        );
    }
}

/// The Welsh letter tells the complainant everything the English one does:
/// every variable of the English template is used in the Welsh one (when
/// the records work added the restated complaint and the outcome to the
/// English letters, the Welsh ones silently went without them).
#[test]
fn welsh_templates_carry_every_english_variable() {
    for name in &welsh_templates() {
        let en = variables(&read("en", name));
        let cy = variables(&read("cy", name));
        let missing: Vec<_> = en.difference(&cy).collect();
        assert!(
            missing.is_empty(),
            "{name}: the Welsh template lacks {missing:?}"
        );
    }
}

#[test]
fn every_english_template_says_welsh_is_welcome_only_when_asked() {
    for name in &welsh_templates() {
        let en = read("en", name);
        let (_, body) = render(&en, name, true);
        assert!(body.contains(WELCOME_EN), "{name}:\n{body}");
        let (_, without) = render(&en, name, false);
        assert!(!without.contains(WELCOME_EN), "{name}:\n{without}");
        // Without the statement the mail is as it was before languages:
        // the block leaves no line behind.
        let stripped = en.replace(
            &format!("{{{{#if languages.welsh_welcome}}}}\n\n{WELCOME_EN}\n{{{{/if}}}}\n"),
            "",
        );
        assert_ne!(stripped, en, "{name}: no welcome block");
        assert_eq!(render(&stripped, name, false).1, without, "{name}");
    }
}

#[test]
fn welsh_templates_use_the_english_variables() {
    let new = declared_new_variables();
    for name in &welsh_templates() {
        let en = variables(&read("en", name));
        let cy = variables(&read("cy", name));
        let extra: Vec<_> = cy.difference(&en).filter(|v| !new.contains(*v)).collect();
        assert!(
            extra.is_empty(),
            "{name}: not in the English template: {extra:?}"
        );
    }
}

/// Words after which Welsh mutates the next word (soft: i, o, ar, am, at,
/// gan, dan, heb, drwy, trwy, dros, wrth, hyd, a "and"… aspirate: â,
/// gyda, tua, a, ei "her"; nasal: yn "in", fy). A variable's first letter
/// cannot follow them, so none may stand straight after one.
#[test]
fn no_variable_stands_where_welsh_would_mutate_it() {
    let triggers = [
        "i", "o", "ar", "am", "at", "gan", "dan", "heb", "drwy", "trwy", "dros", "wrth", "hyd",
        "â", "ag", "a", "gyda", "efo", "tua", "na", "ni", "ei", "yn", "fy", "dy", "y", "yr",
        "annwyl", "dau", "dwy", "tri", "chwe", "pa", "neu", "mor", "rhy",
    ];
    // Values that are names, codes, addresses or words written elsewhere
    // (the handler's own text, a reason) are never mutated in writing.
    let exempt = [
        "complainant.name",
        "case.reference",
        "org.name",
        "org.phone",
        "name",
        "email",
        "phone",
        "address",
        "url",
        "text",
        "vars.reason",
    ];
    let re = regex::Regex::new(r"([\p{L}']+)[ \t]+\{\{([a-z_.]+)\}\}").expect("static regex");
    for name in &welsh_templates() {
        let cy = read("cy", name);
        for c in re.captures_iter(&cy) {
            let word = c[1].to_lowercase();
            let word = word.rsplit('\'').next().unwrap_or(&word);
            let var = &c[2];
            assert!(
                exempt.contains(&var) || !triggers.contains(&word),
                "{name}: {{{{{var}}}}} after {word:?} would need a mutated form"
            );
        }
    }
}
