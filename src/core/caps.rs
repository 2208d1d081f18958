//! Flood caps: whether one outgoing mail may go, decided from counts the
//! store took inside the same transaction. Pure: the adapter
//! (`crate::work::caps`) asks which limits apply ([`checks`]), counts what each
//! one counts, and asks for the verdict ([`verdict`]).
//!
//! Four limits, each per hour and per day:
//!
//! - **recipient**: automatic mail to one outside address (loops with an
//!   auto-responder, one person flooding);
//! - **domain**: automatic replies (acknowledgements, thanks: never a
//!   handler's own words, nor mail a handler's command or the scheduler
//!   caused) to one outside domain, so that 100 forged senders
//!   at one domain cannot turn complaintd into a spam cannon against it.
//!   Free-mail domains (gmail.com, outlook.com, …) get a much higher limit:
//!   thousands of unrelated people share them, so a low cap there would deny
//!   ordinary people their acknowledgement, while a cap is still wanted
//!   because forged senders there are just as cheap;
//! - **case**: notifications one member of staff gets about one case;
//! - **sender**: notifications one member of staff gets because of one
//!   outside sender's messages (or one address claiming to be staff).
//!
//! Staff limits count and hold only mail that an inbound message from
//! outside caused (or a message claiming to be staff without proof): mail
//! the scheduler sends (chase-ups, breaches) and replies to a verified
//! handler's own commands are never held.

use crate::core::reference::CaseRef;

/// The limits, as configured in `[limits]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps {
    /// Automatic mails to one outside address per hour and per day.
    pub per_recipient: (u32, u32),
    /// Automatic replies to one outside domain per hour and per day.
    pub per_domain: (u32, u32),
    /// The same for a free-mail domain in `consumer_domains`.
    pub per_consumer_domain: (u32, u32),
    /// Domains shared by unrelated members of the public (lower-case).
    pub consumer_domains: Vec<String>,
    /// Notifications to one member of staff about one case.
    pub staff_per_case: (u32, u32),
    /// Notifications to one member of staff caused by one sender's messages.
    pub staff_per_sender: (u32, u32),
}

/// Free-mail and large consumer ISP domains used in the UK, where
/// unrelated people share one domain. `[limits] consumer_domains` replaces
/// this list.
pub const CONSUMER_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "live.co.uk",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aol.co.uk",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
    "ntlworld.com",
    "protonmail.com",
    "proton.me",
    "gmx.com",
    "gmx.co.uk",
    "mail.com",
];

/// Which limit held a mail back.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Cap {
    /// Automatic mail to one outside address.
    Recipient,
    /// Automatic replies to one outside domain.
    Domain,
    /// Staff notifications about one case.
    Case,
    /// Staff notifications caused by one sender.
    Sender,
}

impl Cap {
    /// The name stored with held mail.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Does this limit protect staff (and so fold into a summary notice)?
    pub fn is_staff(self) -> bool {
        matches!(self, Cap::Case | Cap::Sender)
    }
}

/// One mail about to be queued.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The recipient (lower-case).
    pub recipient: &'a str,
    /// Is the recipient a member of staff?
    pub staff: bool,
    /// A handler's own words relayed (stage response, correspondence): not
    /// an automatic reply, so no domain limit applies to it.
    pub relayed: bool,
    /// The case it is about.
    pub case: &'a CaseRef,
    /// The outside sender whose message caused it; `None` when the
    /// scheduler or a verified member of staff did.
    pub cause: Option<&'a str>,
}

/// One limit that applies to a mail: what it counts and how many it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which limit.
    pub cap: Cap,
    /// What it counts per: the address, domain, case or sender.
    pub key: String,
    /// Allowed in the last hour.
    pub per_hour: u32,
    /// Allowed in the last 24 hours.
    pub per_day: u32,
}

/// How many mails a check's key had in the last hour and the last 24 hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// In the last hour.
    pub hour: i64,
    /// In the last 24 hours.
    pub day: i64,
}

/// Why a mail is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Which limit.
    pub cap: Cap,
    /// What it counted per.
    pub key: String,
    /// True when the day limit tripped (the hour limit otherwise): the
    /// window in which one summary notice stands for all held mail.
    pub daily: bool,
    /// In words, for the audit and the digest.
    pub reason: String,
}

/// The domain of an address, lower-case; empty when there is none.
pub fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

/// Is `domain` shared by unrelated members of the public?
pub fn is_consumer_domain(caps: &Caps, domain: &str) -> bool {
    caps.consumer_domains.iter().any(|d| d == domain)
}

/// The limits that apply to a mail, in the order to test them.
pub fn checks(caps: &Caps, m: &Outgoing<'_>) -> Vec<Check> {
    let check = |cap, key: &str, (per_hour, per_day): (u32, u32)| Check {
        cap,
        key: key.to_string(),
        per_hour,
        per_day,
    };
    if m.staff {
        let Some(cause) = m.cause else {
            return Vec::new();
        };
        return vec![
            check(Cap::Case, &m.case.to_string(), caps.staff_per_case),
            check(Cap::Sender, cause, caps.staff_per_sender),
        ];
    }
    let mut out = vec![check(Cap::Recipient, m.recipient, caps.per_recipient)];
    // Only replies to inbound mail are a flood vector against a domain; a
    // delay notice after a handler's #extend, say, must not wait on one.
    if !m.relayed && m.cause.is_some() {
        let domain = domain_of(m.recipient);
        let limits = if is_consumer_domain(caps, &domain) {
            caps.per_consumer_domain
        } else {
            caps.per_domain
        };
        out.push(check(Cap::Domain, &domain, limits));
    }
    out
}

/// The verdict of one check on its counts: `None` when the mail may go.
pub fn verdict(c: &Check, n: Counts) -> Option<Held> {
    let (daily, count, limit, window) = if n.hour >= i64::from(c.per_hour) {
        (false, n.hour, c.per_hour, "hour")
    } else if n.day >= i64::from(c.per_day) {
        (true, n.day, c.per_day, "24 hours")
    } else {
        return None;
    };
    let what = match c.cap {
        Cap::Recipient => format!("{count} automatic mail(s) to {}", c.key),
        Cap::Domain => format!("{count} automatic reply(ies) to addresses at {}", c.key),
        Cap::Case => format!("{count} notification(s) to this person about {}", c.key),
        Cap::Sender => format!(
            "{count} notification(s) to this person about messages from {}",
            c.key
        ),
    };
    Some(Held {
        cap: c.cap,
        key: c.key.clone(),
        daily,
        reason: format!("{what} in the last {window} (limit {limit})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static CASE: LazyLock<CaseRef> = LazyLock::new(|| CaseRef::new("PAR", 2026, 1));

    fn caps() -> Caps {
        Caps {
            per_recipient: (5, 20),
            per_domain: (20, 60),
            per_consumer_domain: (200, 1000),
            consumer_domains: CONSUMER_DOMAINS.iter().map(|d| d.to_string()).collect(),
            staff_per_case: (5, 20),
            staff_per_sender: (10, 30),
        }
    }

    fn out<'a>(recipient: &'a str, staff: bool, cause: Option<&'a str>) -> Outgoing<'a> {
        Outgoing {
            recipient,
            staff,
            relayed: false,
            case: &CASE,
            cause,
        }
    }

    #[test]
    fn staff_mail_is_limited_only_when_an_outside_message_caused_it() {
        let c = caps();
        assert!(checks(&c, &out("h@org.test", true, None)).is_empty());
        let k = checks(&c, &out("h@org.test", true, Some("x@evil.test")));
        assert_eq!(
            k.iter()
                .map(|k| (k.cap, k.key.as_str()))
                .collect::<Vec<_>>(),
            vec![(Cap::Case, "PAR-2026-0001"), (Cap::Sender, "x@evil.test")]
        );
    }

    #[test]
    fn free_mail_domains_get_the_higher_limit_and_relayed_mail_no_domain_limit() {
        let c = caps();
        let k = checks(&c, &out("a@Gmail.com", false, Some("a@gmail.com")));
        assert_eq!(k[1].cap, Cap::Domain);
        assert_eq!(k[1].key, "gmail.com");
        assert_eq!((k[1].per_hour, k[1].per_day), (200, 1000));
        let k = checks(&c, &out("a@school.test", false, Some("a@school.test")));
        assert_eq!((k[1].per_hour, k[1].per_day), (20, 60));
        let relayed = Outgoing {
            relayed: true,
            ..out("a@school.test", false, None)
        };
        assert_eq!(checks(&c, &relayed).len(), 1);
        assert_eq!(
            checks(&c, &out("a@school.test", false, None)).len(),
            1,
            "a handler's command or the scheduler caused it"
        );
    }

    #[test]
    fn verdict_names_the_limit_and_its_window() {
        let c = &checks(&caps(), &out("a@school.test", false, Some("b@school.test")))[1];
        assert_eq!(verdict(c, Counts { hour: 19, day: 19 }), None);
        let h = verdict(c, Counts { hour: 20, day: 20 }).expect("held");
        assert!(!h.daily);
        assert_eq!(
            h.reason,
            "20 automatic reply(ies) to addresses at school.test in the last hour (limit 20)"
        );
        let h = verdict(c, Counts { hour: 3, day: 60 }).expect("held");
        assert!(h.daily && h.reason.contains("24 hours"));
    }

    #[test]
    fn domain_of_is_lower_case_and_ignores_a_trailing_dot() {
        assert_eq!(domain_of("Jo@Example.TEST."), "example.test");
        assert_eq!(domain_of("nobody"), "");
    }

    /// Held mail in the database carries these names.
    #[test]
    fn cap_names_are_stable() {
        use strum::IntoEnumIterator;
        let names: Vec<&str> = Cap::iter().map(Cap::as_str).collect();
        assert_eq!(names, ["recipient", "domain", "case", "sender"]);
        for c in Cap::iter() {
            assert_eq!(c.as_str().parse::<Cap>(), Ok(c));
        }
    }
}
