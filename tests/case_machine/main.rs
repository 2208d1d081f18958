//! The case state machine over both seed procedures, path by path
//! (`paths.rs`), plus property tests for its invariants (`properties.rs`).
//! This file holds the world both use: the seed configs, and helpers that
//! open a case and step it.

use chrono::{DateTime, Duration, Utc};
use complaintd::config::{self, Loaded};
use complaintd::core::calendar::Calendar;
use complaintd::core::case::{
    self, chase_times, Case, ConsentStatus, Ctx, DeadlineKind, Effect, Event, Inbound, OutMail,
    Recipient, State, TemplateId, Transition,
};
use complaintd::core::classify::Classification;
use complaintd::core::commands;
use complaintd::core::directory::Directory;
use complaintd::core::handler_intent::Intent;
use complaintd::core::kind::{Flag, Kind};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use strum::IntoEnumIterator;

struct World {
    loaded: Loaded,
    calendar: Calendar,
    directory: Directory,
    languages: Vec<String>,
}

impl World {
    fn new(provider: &str) -> World {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("examples/{provider}/complaintd.toml"));
        let loaded = config::load(&path).expect("example config loads");
        World {
            calendar: loaded.calendar(),
            directory: loaded.directory(),
            languages: loaded.config.organisation.languages(),
            loaded,
        }
    }
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            policy: &self.loaded.policy,
            calendar: &self.calendar,
            directory: &self.directory,
            languages: &self.languages,
        }
    }
    fn open(&self, kind: Kind, flags: &[Flag], text: &str, now: DateTime<Utc>) -> Transition {
        let class = Classification {
            kind,
            flags: flags.iter().copied().collect::<BTreeSet<_>>(),
            reasons: vec!["test".into()],
            triage: false,
        };
        let msg = Inbound {
            message_id: Some("first@complainant.test".into()),
            from: "jo@complainant.test".into(),
            name: Some("Jo Bloggs".into()),
            text: text.into(),
        };
        case::open(
            "PAR-2026-0001".parse().expect("ref"),
            &msg,
            &class,
            &self.ctx(),
            now,
        )
    }
    fn step(&self, c: &Case, e: Event, now: DateTime<Utc>) -> Transition {
        case::step(c, e, &self.ctx(), now)
    }
    /// A handler writes by the notification's "Send the response" link
    /// (commands in it still act on the case instead).
    fn staff(&self, c: &Case, from: &str, text: &str, now: DateTime<Utc>) -> Transition {
        self.said(c, from, text, Some("send"), now)
    }
    /// A handler writes to the address of an intent (`send`, `ask`,
    /// `write`, `note`, `send-3`, `draft-3`…), or a plain reply (`None`).
    fn said(
        &self,
        c: &Case,
        from: &str,
        text: &str,
        intent: Option<&str>,
        now: DateTime<Utc>,
    ) -> Transition {
        let parsed = commands::parse(text);
        self.step(
            c,
            Event::StaffReplied {
                message: Inbound {
                    message_id: Some(format!("staff-{}@org.test", now.timestamp())),
                    from: from.into(),
                    name: None,
                    text: text.into(),
                },
                verified: true,
                parsed,
                intent: intent.map(|i| Intent::parse(i).expect("an intent")),
            },
            now,
        )
    }
    fn reply(&self, c: &Case, text: &str, now: DateTime<Utc>) -> Transition {
        self.step(
            c,
            Event::ComplainantReplied(Inbound {
                message_id: Some(format!("r{}@complainant.test", now.timestamp())),
                from: "jo@complainant.test".into(),
                name: None,
                text: text.into(),
            }),
            now,
        )
    }
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn mails(tr: &Transition) -> Vec<&OutMail> {
    tr.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn sent(tr: &Transition, template: TemplateId) -> Option<&OutMail> {
    mails(tr).into_iter().find(|m| m.template == template)
}

fn due(c: &Case, kind: DeadlineKind) -> Option<DateTime<Utc>> {
    c.deadlines.iter().find(|d| d.kind == kind).map(|d| d.due)
}

const PRIYA: &str = "priya.desai@provider-b.example.test";
const TOM: &str = "tom.hughes@provider-b.example.test";
const MARK: &str = "mark.bell@provider-b.example.test";

mod intents;
mod paths;
mod properties;
mod replies;
