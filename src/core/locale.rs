//! Words and dates that mail shows people, written out in their language:
//! long dates and times, working-day phrases, the kind of a case, a
//! stage's outcome and a refusal's ground, the names of languages.
//! Hand-written, not a crate: chrono's own locales (`unstable-locales`,
//! from glibc data) have no Welsh, and what mail needs
//! is a few dozen words whose Welsh must follow the rules our templates
//! are reviewed against (see `templates/cy/README.md`).
//!
//! Every function takes a language code (ISO 639-1, "cy", "en"); a code
//! this module does not know gets English, the working language, so a
//! configured language without translations still gets a readable mail.
//!
//! Welsh, as running text has it: the word `dydd` is lower case and the
//! day's and month's names capitalised ("erbyn dydd Llun 7 Rhagfyr 2026");
//! a time follows `am` on the 24-hour clock ("… 2026 am 14:30"); a number
//! written in figures takes the singular noun and the mutation the spoken
//! number gives it ("2 ddiwrnod gwaith", "10 diwrnod gwaith").

use crate::core::calendar::Span;
use crate::core::case::records::{Outcome, RefusalGround};
use crate::core::kind::Kind;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

/// Welsh, the code the organisation's `languages` list uses for it.
pub const WELSH: &str = "cy";
/// English.
pub const ENGLISH: &str = "en";

/// The languages this module has words for.
pub const KNOWN: &[&str] = &[WELSH, ENGLISH];

fn is_welsh(lang: &str) -> bool {
    lang.eq_ignore_ascii_case(WELSH)
}

const CY_DAYS: [&str; 7] = [
    "dydd Llun",
    "dydd Mawrth",
    "dydd Mercher",
    "dydd Iau",
    "dydd Gwener",
    "dydd Sadwrn",
    "dydd Sul",
];

const CY_MONTHS: [&str; 12] = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
];

fn cy_day(d: Weekday) -> &'static str {
    CY_DAYS[d.num_days_from_monday() as usize]
}

fn cy_month(d: NaiveDate) -> &'static str {
    // month0() is 0..=11 by chrono's contract.
    CY_MONTHS[d.month0() as usize % 12]
}

/// A date written out: "Monday 7 December 2026" (exactly chrono's
/// `%A %-d %B %Y`), "dydd Llun 7 Rhagfyr 2026".
pub fn long_date(lang: &str, d: NaiveDate) -> String {
    if is_welsh(lang) {
        format!(
            "{} {} {} {}",
            cy_day(d.weekday()),
            d.day(),
            cy_month(d),
            d.year()
        )
    } else {
        d.format("%A %-d %B %Y").to_string()
    }
}

/// A date and time written out: "Monday 7 December 2026, 14:30" (exactly
/// chrono's `%A %-d %B %Y, %H:%M`), "dydd Llun 7 Rhagfyr 2026 am 14:30".
pub fn long_date_time(lang: &str, t: NaiveDateTime) -> String {
    if is_welsh(lang) {
        format!(
            "{} am {:02}:{:02}",
            long_date(lang, t.date()),
            t.hour(),
            t.minute()
        )
    } else {
        t.format("%A %-d %B %Y, %H:%M").to_string()
    }
}

/// "10 working days", "1 working day"; "10 diwrnod gwaith", "2 ddiwrnod
/// gwaith" (after "dau" *diwrnod* takes the soft mutation; no other number
/// changes a word beginning with d).
pub fn working_days(lang: &str, n: u32) -> String {
    if is_welsh(lang) {
        format!("{n} {} gwaith", cy_diwrnod(n))
    } else {
        format!("{n} working day{}", if n == 1 { "" } else { "s" })
    }
}

fn cy_diwrnod(n: u32) -> &'static str {
    if n == 2 {
        "ddiwrnod"
    } else {
        "diwrnod"
    }
}

/// A policy's time span as mail shows it: what [`Span`]'s `Display` gives
/// in English ("10 working days", "12 hours", "same day"); in Welsh "10
/// diwrnod gwaith", "12 awr" (*awr* is feminine and begins with a vowel:
/// no number changes it), "4 awr waith" (an adjective-like noun after a
/// feminine noun takes the soft mutation), "yr un diwrnod".
pub fn span(lang: &str, s: Span) -> String {
    if !is_welsh(lang) {
        return s.to_string();
    }
    match s {
        Span::SameDay => "yr un diwrnod".to_string(),
        Span::WorkingDays(n) => working_days(lang, n),
        Span::Hours(n) => format!("{n} awr"),
        Span::WorkingHours(n) => format!("{n} awr waith"),
        // *Calendr* follows the noun unchanged, as *gwaith* does.
        Span::CalendarDays(n) => format!("{n} {} calendr", cy_diwrnod(n)),
    }
}

/// What a case is, as templates show `case.kind`: in English the stored
/// name, exactly what templates have always shown ("complaint",
/// "compliment", "comment", "other", "auto_reply"…); in Welsh the noun
/// ("cwyn", "canmoliaeth", "sylw", "neges"…), radical (unmutated) form, as
/// it stands after "eich" ("your"), which the templates use before it.
pub fn kind_name(lang: &str, kind: Kind) -> String {
    if !is_welsh(lang) {
        return kind.as_str().to_string();
    }
    match kind {
        Kind::Complaint => "cwyn",
        Kind::Compliment => "canmoliaeth",
        Kind::Comment => "sylw",
        Kind::Other => "neges",
        Kind::AutoReply => "ateb awtomatig",
        Kind::Bounce => "neges na chafodd ei danfon",
        Kind::Bulk => "neges dorfol",
    }
    .to_string()
}

/// A stage's outcome as the stage response states it: in English after
/// "your complaint is", exactly [`Outcome::words`] ("partly upheld"); in
/// Welsh after "Canlyniad eich cwyn:", the impersonal past the Public
/// Services Ombudsman for Wales reports outcomes in ("cadarnhawyd yn
/// rhannol", "ni chadarnhawyd"), which agrees with no noun, so it reads
/// the same whatever was decided on. The words helper "welsh"'s renderer
/// gives a Welsh stage response (`work::effects`); sources in
/// `templates/cy/README.md`.
pub fn outcome_words(lang: &str, outcome: Outcome) -> String {
    if !is_welsh(lang) {
        return outcome.words();
    }
    match outcome {
        Outcome::Upheld => "cadarnhawyd",
        Outcome::PartlyUpheld => "cadarnhawyd yn rhannol",
        Outcome::NotUpheld => "ni chadarnhawyd",
        Outcome::Resolved => "datryswyd",
        Outcome::Withdrawn => "tynnwyd yn ôl",
    }
    .to_string()
}

/// Why a complaint or an escalation was refused, as the refusal letter
/// states it: in English exactly [`RefusalGround::words`] (a clause after
/// "because"); in Welsh a whole clause after "am y rheswm canlynol:", with
/// no pronoun for what was refused, because that is a *cwyn* (feminine) or
/// a *cais* to escalate (masculine) and a pronoun would have to agree with
/// the one the letter names. "Y tu hwnt i'r amser a ganiateir" is the
/// Standards Commissioner for Wales's "out of time".
pub fn refusal_ground_words(lang: &str, ground: RefusalGround) -> &'static str {
    if !is_welsh(lang) {
        return ground.words();
    }
    match ground {
        RefusalGround::OutOfTime => {
            "daeth i law y tu hwnt i'r amser a ganiateir gan ein gweithdrefn"
        }
        RefusalGround::AlreadyAnswered => "rydym eisoes wedi ymateb i'r mater hwn",
        RefusalGround::NotAComplaint => "nid yw'r mater hwn yn dod o dan ein gweithdrefn gwyno",
    }
}

/// The built-in data-protection regulator's name: the Information
/// Commissioner's own Welsh name for its office in a Welsh letter.
pub fn regulator_name(lang: &str) -> &'static str {
    if is_welsh(lang) {
        "Swyddfa'r Comisiynydd Gwybodaeth (ICO)"
    } else {
        crate::core::policy::ICO_NAME
    }
}

/// How to address someone whose name we do not know: "Sir or Madam" (what
/// mail has always said), "Syr neu Fadam" (*Madam* takes the soft mutation
/// after *neu*).
pub fn unknown_addressee(lang: &str) -> &'static str {
    if is_welsh(lang) {
        "Syr neu Fadam"
    } else {
        "Sir or Madam"
    }
}

/// Who handles a case that has no named handler: "the complaints team",
/// "y tîm cwynion".
pub fn complaints_team(lang: &str) -> &'static str {
    if is_welsh(lang) {
        "y tîm cwynion"
    } else {
        "the complaints team"
    }
}

/// The name of language `code`, written in language `lang`, for staff mail
/// and records ("Welsh", "Cymraeg"); an unknown code is shown as given.
pub fn language_name(lang: &str, code: &str) -> String {
    let cy = is_welsh(lang);
    match code.to_ascii_lowercase().as_str() {
        "cy" => if cy { "Cymraeg" } else { "Welsh" }.to_string(),
        "en" => if cy { "Saesneg" } else { "English" }.to_string(),
        _ => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use strum::IntoEnumIterator;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn welsh_long_dates() {
        assert_eq!(
            long_date("cy", day(2026, 12, 7)),
            "dydd Llun 7 Rhagfyr 2026"
        );
        assert_eq!(
            long_date("CY", day(2027, 1, 1)),
            "dydd Gwener 1 Ionawr 2027"
        );
        assert_eq!(
            long_date("cy", day(2027, 2, 14)),
            "dydd Sul 14 Chwefror 2027"
        );
        assert_eq!(
            long_date("cy", day(2027, 3, 2)),
            "dydd Mawrth 2 Mawrth 2027"
        );
        assert_eq!(
            long_date("cy", day(2027, 6, 30)),
            "dydd Mercher 30 Mehefin 2027"
        );
        assert_eq!(
            long_date("cy", day(2027, 7, 1)),
            "dydd Iau 1 Gorffennaf 2027"
        );
        assert_eq!(long_date("cy", day(2027, 5, 22)), "dydd Sadwrn 22 Mai 2027");
        let t = day(2026, 12, 7).and_hms_opt(9, 5, 0).expect("time");
        assert_eq!(long_date_time("cy", t), "dydd Llun 7 Rhagfyr 2026 am 09:05");
    }

    /// Every day of four years: English is exactly chrono's format (what
    /// mail showed before languages), and Welsh names every month and day.
    #[test]
    fn english_is_exactly_chronos_format() {
        let mut d = day(2026, 1, 1);
        let mut welsh_months = std::collections::BTreeSet::new();
        while d < day(2030, 1, 1) {
            assert_eq!(long_date("en", d), d.format("%A %-d %B %Y").to_string());
            let t = d.and_hms_opt(14, 30, 0).expect("time");
            assert_eq!(
                long_date_time("en", t),
                t.format("%A %-d %B %Y, %H:%M").to_string()
            );
            // Unknown languages get English.
            assert_eq!(long_date("pl", d), long_date("en", d));
            welsh_months.insert(long_date("cy", d).split(' ').nth(3).map(str::to_string));
            d += Duration::days(1);
        }
        assert_eq!(welsh_months.len(), 12);
    }

    #[test]
    fn working_day_phrases() {
        assert_eq!(working_days("en", 1), "1 working day");
        assert_eq!(working_days("en", 10), "10 working days");
        assert_eq!(working_days("cy", 1), "1 diwrnod gwaith");
        assert_eq!(working_days("cy", 2), "2 ddiwrnod gwaith");
        assert_eq!(working_days("cy", 3), "3 diwrnod gwaith");
        assert_eq!(working_days("cy", 10), "10 diwrnod gwaith");
        assert_eq!(working_days("cy", 20), "20 diwrnod gwaith");
        for s in [
            Span::SameDay,
            Span::WorkingDays(1),
            Span::WorkingDays(10),
            Span::Hours(12),
            Span::WorkingHours(4),
        ] {
            assert_eq!(span("en", s), s.to_string());
        }
        assert_eq!(span("cy", Span::WorkingDays(10)), "10 diwrnod gwaith");
        assert_eq!(span("cy", Span::Hours(12)), "12 awr");
        assert_eq!(span("cy", Span::WorkingHours(4)), "4 awr waith");
        assert_eq!(span("cy", Span::SameDay), "yr un diwrnod");
        assert_eq!(span("cy", Span::CalendarDays(30)), "30 diwrnod calendr");
        assert_eq!(span("en", Span::CalendarDays(30)), "30 calendar days");
    }

    #[test]
    fn kinds() {
        for k in Kind::iter() {
            assert_eq!(kind_name("en", k), k.as_str());
            assert_eq!(kind_name("fr", k), k.as_str());
            assert!(!kind_name("cy", k).is_empty());
        }
        assert_eq!(kind_name("cy", Kind::Complaint), "cwyn");
        assert_eq!(kind_name("cy", Kind::Compliment), "canmoliaeth");
        assert_eq!(kind_name("cy", Kind::Comment), "sylw");
    }

    /// English is exactly what the records have always written; Welsh has
    /// a distinct word for every value.
    #[test]
    fn outcomes() {
        let mut welsh = std::collections::BTreeSet::new();
        for o in Outcome::iter() {
            assert_eq!(outcome_words("en", o), o.words());
            assert_eq!(outcome_words("de", o), o.words());
            welsh.insert(outcome_words("cy", o));
        }
        assert_eq!(welsh.len(), Outcome::iter().count());
        assert_eq!(outcome_words("en", Outcome::PartlyUpheld), "partly upheld");
        assert_eq!(
            outcome_words("cy", Outcome::PartlyUpheld),
            "cadarnhawyd yn rhannol"
        );
        assert_eq!(outcome_words("CY", Outcome::NotUpheld), "ni chadarnhawyd");
        assert_eq!(outcome_words("cy", Outcome::Withdrawn), "tynnwyd yn ôl");
    }

    #[test]
    fn refusal_grounds() {
        let mut welsh = std::collections::BTreeSet::new();
        for g in RefusalGround::iter() {
            assert_eq!(refusal_ground_words("en", g), g.words());
            assert_eq!(refusal_ground_words("fr", g), g.words());
            let cy = refusal_ground_words("cy", g);
            // A Welsh clause, not the English one left in place.
            assert_ne!(cy, g.words());
            welsh.insert(cy);
        }
        assert_eq!(welsh.len(), RefusalGround::iter().count());
        assert_eq!(
            refusal_ground_words("en", RefusalGround::OutOfTime),
            "it was made outside the time our procedure allows"
        );
        assert_eq!(
            refusal_ground_words("cy", RefusalGround::NotAComplaint),
            "nid yw'r mater hwn yn dod o dan ein gweithdrefn gwyno"
        );
    }

    #[test]
    fn names_and_addressees() {
        assert_eq!(language_name("en", "cy"), "Welsh");
        assert_eq!(language_name("cy", "cy"), "Cymraeg");
        assert_eq!(language_name("cy", "en"), "Saesneg");
        assert_eq!(language_name("en", "pl"), "pl");
        assert_eq!(unknown_addressee("en"), "Sir or Madam");
        assert_eq!(unknown_addressee("cy"), "Syr neu Fadam");
        assert_eq!(complaints_team("cy"), "y tîm cwynion");
    }
}
