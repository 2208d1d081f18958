//! `complaintd demo`: both seed procedures run end to end on sample mail, on
//! SQLite and Maildirs, over four simulated weeks, with no server installed.
//!
//! Everything goes through the real paths: raw messages are ingested, the
//! handlers' replies are written the way Outlook writes them (to the reply
//! address of their notification, `RE:` subject, no References, quoted
//! history below), the scheduler ticks on a simulated clock, and the sender
//! delivers into an outgoing Maildir.

use crate::app::App;
use crate::config;
use crate::core::token::Secret;
use crate::mail::sender::{self, Transport};
use crate::store::OutboxRow;
use crate::work::ingest::{self, Ingested};
use crate::work::{digest, scheduler};
use anyhow::{anyhow, Context};
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::London;
use std::io::Write;
use std::path::{Path, PathBuf};

const A_CONFIG: &str = include_str!("../../examples/provider-a/complaintd.toml");
const A_POLICY: &str = include_str!("../../examples/provider-a/policy.toml");
const B_CONFIG: &str = include_str!("../../examples/provider-b/complaintd.toml");
const B_POLICY: &str = include_str!("../../examples/provider-b/policy.toml");

const MAIL: &[(&str, &str)] = &[
    ("b-01", include_str!("../../demo/b-01-complaint.eml")),
    ("b-02", include_str!("../../demo/b-02-complaint.eml")),
    ("b-03", include_str!("../../demo/b-03-complaint-typo.eml")),
    ("a-01", include_str!("../../demo/a-01-on-behalf.eml")),
    ("a-02", include_str!("../../demo/a-02-anonymous.eml")),
    ("a-03", include_str!("../../demo/a-03-appeal.eml")),
    ("a-04", include_str!("../../demo/a-04-compliment.eml")),
    ("a-05", include_str!("../../demo/a-05-safeguarding.eml")),
];

/// What happens, and when (London time).
enum Act {
    /// A bundled message arrives.
    Receive(&'static str),
    /// Staff write about the n-th case: words for the complainant by the
    /// notification's "Send the response" link, commands as an Outlook reply.
    Staff {
        case: usize,
        from: &'static str,
        body: &'static str,
    },
    /// The complainant (or someone on their behalf) replies to our latest mail.
    Reply {
        case: usize,
        from: Option<&'static str>,
        body: &'static str,
    },
    /// Someone who is not the complainant writes about the n-th case, naming
    /// it by its (guessable) reference in the subject.
    Stranger {
        case: usize,
        from: &'static str,
        body: &'static str,
    },
    /// The complainant's vacation responder answers our acknowledgement.
    Vacation { case: usize },
    /// Our acknowledgement bounces.
    Bounce { case: usize },
}

struct Step {
    at: (u32, u32, u32, u32), // month, day, hour, minute in 2026/27
    org: usize,
    act: Act,
}

fn london(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let year = if m >= 11 { 2026 } else { 2027 };
    London
        .with_ymd_and_hms(year, m, d, h, min, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

fn script() -> Vec<Step> {
    use Act::*;
    const PRIYA: &str = "priya.desai@provider-b.example.test";
    const TOM: &str = "tom.hughes@provider-b.example.test";
    const ELERI: &str = "eleri.jones@provider-a.example.test";
    let s = |at, org, act| Step { at, org, act };
    vec![
        s((11, 23, 9, 12), 1, Receive("b-01")),
        s((11, 23, 9, 13), 1, Vacation { case: 0 }),
        s((11, 23, 11, 5), 0, Receive("a-01")),
        s((11, 23, 14, 30), 1, Staff { case: 0, from: PRIYA, body: "Dear Kayleigh,\n\nI am sorry that your sessions were cancelled at such short notice. Your coach is now Dan Webb, and your first session with him is booked for Thursday 26 November at 10:00. We will also agree a catch-up plan with your manager.\n\nKind regards\nPriya Desai" }),
        s((11, 23, 22, 40), 0, Receive("a-02")),
        s((11, 24, 9, 30), 0, Receive("a-03")),
        s((11, 24, 10, 3), 1, Receive("b-02")),
        s((11, 24, 9, 45), 0, Reply { case: 0, from: None, body: "Ellie's own email address is ellie.llewellyn@learner.example.test - please ask her there.\n\nDonna" }),
        s((11, 24, 10, 15), 0, Reply { case: 0, from: Some("ellie.llewellyn@learner.example.test"), body: "Hello, this is Ellie. I agree with the concerns my mum raised and I consent to an investigation.\n\nEllie Llewellyn" }),
        s((11, 24, 11, 0), 0, Staff { case: 1, from: ELERI, body: "#proceed the remarks described are belittling and need looking at\n\nEleri" }),
        s((11, 24, 12, 0), 0, Receive("a-04")),
        s((11, 24, 15, 40), 1, Receive("b-03")),
        s((11, 24, 15, 41), 1, Bounce { case: 2 }),
        s((11, 24, 16, 10), 0, Reply { case: 3, from: None, body: "Yes, happy for you to share it!\n\nBronwen" }),
        s((11, 25, 8, 50), 0, Receive("a-05")),
        s((11, 25, 14, 0), 0, Staff { case: 0, from: "rhian.price@provider-a.example.test", body: "Dear Mrs Llewellyn,\n\nThank you for raising this, and Ellie for her consent. Ellie's claims for September to November were stuck awaiting a finance signature. They have been approved today and £96 will reach her account by Friday. Claims will now be paid within 10 working days of being handed in.\n\nRhian Price" }),
        s((11, 25, 9, 20), 1, Stranger { case: 0, from: "prankster@elsewhere.example.test", body: "I am not satisfied with this at all and want it escalated to the next stage." }),
        s((11, 25, 10, 5), 1, Reply { case: 0, from: None, body: "I'm not satisfied because Dan hasn't been in touch and Thursday's session has already been cancelled again.\n\nKayleigh" }),
        s((11, 26, 11, 0), 1, Staff { case: 0, from: TOM, body: "#extend 2026-12-14 waiting for the employer's statement about shift cover\n#note spoke to Kayleigh's manager, statement promised next week" }),
        s((12, 2, 10, 0), 1, Staff { case: 1, from: PRIYA, body: "Dear Jamie,\n\nI am sorry for the delay and for not replying to your emails. Your October bursary was held by a bank-details mismatch; it was paid this morning and November's will follow on the usual date.\n\nKind regards\nPriya Desai" }),
        s((12, 2, 16, 0), 1, Reply { case: 1, from: None, body: "Thank you, that's sorted now.\n\nJamie" }),
        s((12, 11, 15, 0), 1, Staff { case: 0, from: TOM, body: "Dear Kayleigh,\n\nHaving spoken to you, Dan and your manager, I uphold your complaint. From January your sessions are fixed for Tuesday afternoons with cover agreed with your manager, and Dan will not cancel without a new date. I apologise for the disruption.\n\nTom Hughes" }),
        s((12, 17, 9, 30), 1, Staff { case: 1, from: PRIYA, body: "#close lessons: bank-detail mismatches now block payment runs with an alert to learner support, so a payment can no longer be held silently" }),
    ]
}

struct Org {
    label: &'static str,
    app: App,
    transport: Transport,
    cases: Vec<String>,
    seen: i64,
    outgoing: PathBuf,
    db: PathBuf,
    config: PathBuf,
    digests_printed: usize,
}

fn write_org(
    dir: &Path,
    name: &str,
    config_text: &str,
    policy_text: &str,
    secret: &str,
) -> anyhow::Result<PathBuf> {
    let d = dir.join(name);
    crate::private_fs::create_dir_all(&d)?;
    // The example's secret source is replaced by a file in the demo folder, so
    // the commands the demo suggests work against its database.
    // The deployment sections (store onwards) are the demo's own.
    let config_text = config_text.split("\n[store]").next().unwrap_or(config_text);
    let config_text = config_text
        .lines()
        .filter(|l| !l.starts_with("secret_env") && !l.starts_with("secret_file"))
        .map(|l| {
            if l.trim() == "[security]" {
                "[security]\nsecret_file = \"secret\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config_text = format!(
        "{config_text}\n\n[store]\npath = \"complaintd.sqlite\"\n\n[outbox]\nmaildir = \"outgoing\"\n\n[digest]\ntime = \"08:00\"\nto = [\"directors\"]\n"
    );
    std::fs::write(d.join("complaintd.toml"), config_text)?;
    std::fs::write(d.join("policy.toml"), policy_text)?;
    crate::private_fs::write(&d.join("secret"), secret.as_ref())?;
    Ok(d.join("complaintd.toml"))
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    crate::core::mail::parse(raw)
        .ok()
        .and_then(|m| m.header(name).map(String::from))
}

fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&London)
        .format("%a %d %b %H:%M")
        .to_string()
}

impl Org {
    async fn new(label: &'static str, config: PathBuf, secret: &str) -> anyhow::Result<Org> {
        let loaded = config::load(&config)?;
        let outgoing = loaded.resolve(Path::new("outgoing"));
        let db = loaded.resolve(Path::new("complaintd.sqlite"));
        let app = App::with_secret(loaded, Secret::new(secret.as_bytes().to_vec())).await?;
        Ok(Org {
            label,
            app,
            transport: Transport::Maildir(outgoing.clone()),
            cases: Vec::new(),
            seen: 0,
            outgoing,
            db,
            config,
            digests_printed: 0,
        })
    }

    /// Deliver what was queued and print it.
    async fn flush(
        &mut self,
        out: &mut impl Write,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        sender::run_once(
            &self.app.store,
            &self.transport,
            now,
            sender::RetryPolicy::default(),
        )
        .await?;
        let rows: Vec<OutboxRow> = self.app.store.outbox_after(self.seen).await?;
        // One line per template, naming everyone it went to.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for r in &rows {
            self.seen = self.seen.max(r.id);
            let who = self
                .app
                .directory
                .by_email(&r.recipient)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| r.recipient.clone());
            let t = r.template.replace('_', " ");
            match groups.iter_mut().find(|(g, _)| *g == t) {
                Some((_, v)) => v.push(who),
                None => groups.push((t, vec![who])),
            }
        }
        for (t, who) in groups {
            writeln!(
                out,
                "                          → {t:<27} to {}",
                who.join(", ")
            )?;
        }
        Ok(rows)
    }

    /// The n-th case this provider opened, and our latest mail to its complainant.
    async fn complainant_thread(
        &self,
        case: usize,
    ) -> anyhow::Result<(String, crate::core::case::Case, OutboxRow)> {
        let reference = self
            .cases
            .get(case)
            .cloned()
            .ok_or_else(|| anyhow!("no case {case}"))?;
        let c = self
            .app
            .store
            .case(&reference.parse()?)
            .await?
            .ok_or_else(|| anyhow!("no case {reference}"))?;
        let last = self.latest_to(&reference, &c.complainant.address).await?;
        Ok((reference, c, last))
    }

    async fn latest_to(&self, case: &str, recipient: &str) -> anyhow::Result<OutboxRow> {
        self.app
            .store
            .outbox(Some(&case.parse()?))
            .await?
            .into_iter()
            .rev()
            .find(|r| r.recipient == recipient)
            .ok_or_else(|| anyhow!("no mail to {recipient} about {case}"))
    }
}

/// Run the demo into `dir`, printing the timeline to `out`.
pub async fn run(dir: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if dir.exists() {
        if !dir.join(".complaintd-demo").exists() && std::fs::read_dir(dir)?.next().is_some() {
            return Err(anyhow!(
                "{} exists and is not an earlier demo folder: choose another with --dir",
                dir.display()
            ));
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("clear {}", dir.display()))?;
    }
    // The demo's folders hold a database, a secret and mail: owner-only.
    crate::private_fs::create_dir_all(dir)?;
    std::fs::write(dir.join(".complaintd-demo"), "made by complaintd demo\n")?;
    let secret = "demo-secret-not-for-production-use-0123456789";
    let a = write_org(dir, "provider-a", A_CONFIG, A_POLICY, secret)?;
    let b = write_org(dir, "provider-b", B_CONFIG, B_POLICY, secret)?;
    let mut orgs = vec![
        Org::new("A", a, secret).await?,
        Org::new("B", b, secret).await?,
    ];

    writeln!(
        out,
        "complaintd demo: two providers' procedures, four simulated weeks (times are London time)"
    )?;
    writeln!(
        out,
        "  A = {} (3 stages), B = {} (4 stages)\n",
        orgs[0].app.loaded.config.organisation.name, orgs[1].app.loaded.config.organisation.name
    )?;

    let steps = script();
    let end = london(12, 18, 18, 0);
    let start = london(11, 23, 8, 0);
    let mut now = start;
    let mut next_step = 0;
    let mut counter = 0;
    while now <= end {
        // Actions due by now, in order.
        while next_step < steps.len() {
            let s = &steps[next_step];
            let at = london(s.at.0, s.at.1, s.at.2, s.at.3);
            if at > now {
                break;
            }
            counter += 1;
            let org = &mut orgs[s.org];
            act(org, &s.act, at, counter, out).await?;
            org.flush(out, at).await?;
            next_step += 1;
        }
        for org in orgs.iter_mut() {
            let r = scheduler::tick(&org.app, now).await?;
            if r.deadlines + r.chases > 0 || r.digest_sent {
                let what = [
                    (r.deadlines > 0).then(|| format!("{} deadline(s) reached", r.deadlines)),
                    (r.chases > 0).then(|| format!("{} chase-up(s)", r.chases)),
                    r.digest_sent.then(|| "daily digest".to_string()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
                writeln!(out, "{}  {}  scheduler: {what}", when(now), org.label)?;
                org.flush(out, now).await?;
                // Show each provider's first digest with something in it.
                if r.digest_sent && org.digests_printed == 0 && !org.cases.is_empty() {
                    org.digests_printed += 1;
                    let d = digest::build(&org.app, now).await?;
                    for l in d.to_text().lines() {
                        writeln!(out, "                          | {l}")?;
                    }
                }
            }
        }
        now += Duration::minutes(30);
    }

    writeln!(out, "\nWhere things are:")?;
    for org in &orgs {
        // The digest as the directors' mail client shows it, at the end of
        // the simulated weeks: its HTML part with the chart in the file.
        let d = digest::build(&org.app, end).await?;
        let rendered = digest::render(&org.app, &d)?;
        let digest_html = org.db.parent().unwrap_or(dir).join(format!(
            "digest-{}.html",
            end.with_timezone(&London).format("%Y-%m-%d")
        ));
        crate::private_fs::write(&digest_html, d.standalone_html(&rendered.html).as_bytes())?;
        // The performance report for the simulated weeks, as a board reads it.
        let period = crate::core::report::Period {
            from: start.with_timezone(&London).date_naive(),
            to: end.with_timezone(&London).date_naive() + Duration::days(1),
        };
        let report = crate::report::build(
            &org.app.store,
            &org.app.calendar,
            &org.app.loaded.config.organisation.name,
            org.app
                .loaded
                .policy
                .stages
                .iter()
                .map(|s| s.name.clone())
                .collect(),
            period,
            end,
        )
        .await?;
        let report_html = crate::report::write::write(
            &report,
            crate::report::Format::Html,
            org.db.parent().unwrap_or(dir),
        )?;
        let counts = org.app.store.outbox_counts().await?;
        let cases = org.app.store.list_cases(None).await?;
        writeln!(
            out,
            "  {}: {} case(s), {} mail(s) sent",
            org.label,
            cases.len(),
            counts.sent
        )?;
        writeln!(out, "     database        {}", org.db.display())?;
        writeln!(
            out,
            "     outgoing Maildir {}",
            org.outgoing.join("new").display()
        )?;
        writeln!(out, "     digest (HTML)   {}", digest_html.display())?;
        for r in &report_html {
            writeln!(out, "     report (HTML)   {}", r.display())?;
        }
        writeln!(
            out,
            "     try: complaintd --config {} cases list",
            org.config.display()
        )?;
    }
    writeln!(
        out,
        "\ndemo finished in {:.1}s",
        started.elapsed().as_secs_f64()
    )?;
    for org in &orgs {
        org.app.store.close().await;
    }
    Ok(())
}

async fn act(
    org: &mut Org,
    a: &Act,
    at: DateTime<Utc>,
    n: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let domain = org.app.mail_domain().to_string();
    let (raw, say): (Vec<u8>, String) = match a {
        Act::Receive(name) => {
            let text = MAIL
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| anyhow!("no demo mail {name}"))?;
            let m =
                crate::core::mail::parse(text.as_bytes()).map_err(|e| anyhow!("{name}: {e}"))?;
            let who = m
                .from
                .as_ref()
                .map(|f| f.name.clone().unwrap_or(f.address.clone()))
                .unwrap_or_default();
            (
                text.replace('\n', "\r\n").into_bytes(),
                format!("{who} writes: \"{}\"", m.subject),
            )
        }
        Act::Staff { case, from, body } => {
            let reference = org
                .cases
                .get(*case)
                .cloned()
                .ok_or_else(|| anyhow!("no case {case}"))?;
            let last = org.latest_to(&reference, from).await?;
            let subject = header(&last.raw, "subject").unwrap_or_default();
            let reply_to = header(&last.raw, "reply-to").unwrap_or_default();
            // Words for the complainant go by the notification's "Send the
            // response" link (its address names the intent); commands are
            // a plain reply.
            let respond = !body.starts_with('#');
            let reply_to = match reply_to.rsplit_once('@') {
                Some((local, domain)) if respond => format!("{local}.send@{domain}"),
                _ => reply_to,
            };
            let name = org
                .app
                .directory
                .by_email(from)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let quoted = String::from_utf8_lossy(&last.raw)
                .lines()
                .skip_while(|l| !l.is_empty())
                .take(12)
                .collect::<Vec<_>>()
                .join("\r\n");
            let raw = format!(
                "From: {name} <{from}>\r\nTo: {reply_to}\r\nSubject: RE: {subject}\r\nDate: {}\r\nMessage-ID: <demo-{n}@{domain}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\r\nFrom: {} <{}>\r\nSent: {}\r\nTo: {name}\r\nSubject: {subject}\r\n\r\n{quoted}\r\n",
                at.to_rfc2822(),
                body.replace('\n', "\r\n"),
                org.app.loaded.config.organisation.name,
                org.app.loaded.config.organisation.reply_address,
                when(last.created_at),
            );
            let first = body.lines().next().unwrap_or("");
            (
                raw.into_bytes(),
                if respond {
                    format!("{name} clicks \"Send the response\" in Outlook on {reference}: \"{first}…\"")
                } else {
                    format!("{name} replies from Outlook on {reference}: \"{first}…\"")
                },
            )
        }
        Act::Reply { case, from, body } => {
            let (reference, c, last) = org.complainant_thread(*case).await?;
            // Someone else answers the mail complaintd sent to them, if any.
            let last = match from {
                Some(f) => org.latest_to(&reference, f).await.unwrap_or(last),
                None => last,
            };
            let subject = header(&last.raw, "subject").unwrap_or_default();
            let reply_to = header(&last.raw, "reply-to").unwrap_or_default();
            let sender = from.unwrap_or(&c.complainant.address).to_string();
            let raw = format!(
                "From: {sender}\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\nDate: {}\r\nMessage-ID: <demo-{n}@mail.example.test>\r\nIn-Reply-To: <{}>\r\nReferences: <{}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\r\nOn {}, {} wrote:\r\n> (our message)\r\n",
                at.to_rfc2822(),
                last.message_id,
                last.message_id,
                body.replace('\n', "\r\n"),
                when(last.created_at),
                org.app.loaded.config.organisation.name
            );
            let first = body.lines().next().unwrap_or("");
            (
                raw.into_bytes(),
                format!("{sender} replies on {reference}: \"{first}\""),
            )
        }
        Act::Stranger { case, from, body } => {
            let (reference, _, _) = org.complainant_thread(*case).await?;
            let raw = format!(
                "From: {from}\r\nTo: {}\r\nSubject: [{reference}] Escalation\r\nDate: {}\r\nMessage-ID: <demo-{n}@elsewhere.example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
                org.app.loaded.config.organisation.reply_address,
                at.to_rfc2822(),
                body.replace('\n', "\r\n"),
            );
            (
                raw.into_bytes(),
                format!("{from}, a stranger, writes naming {reference}: \"{body}\""),
            )
        }
        Act::Vacation { case } => {
            let (_, c, last) = org.complainant_thread(*case).await?;
            let subject = header(&last.raw, "subject").unwrap_or_default();
            let raw = format!(
                "Return-Path: <>\r\nFrom: {addr}\r\nTo: {}\r\nSubject: Auto: {subject}\r\nDate: {}\r\nMessage-ID: <demo-{n}@mail.example.test>\r\nIn-Reply-To: <{id}>\r\nAuto-Submitted: auto-replied (vacation)\r\nPrecedence: bulk\r\n\r\nI am on annual leave until Monday 30 November.\r\n",
                org.app.loaded.config.organisation.reply_address,
                at.to_rfc2822(),
                addr = c.complainant.address,
                id = last.message_id
            );
            (
                raw.into_bytes(),
                format!(
                    "{}'s vacation responder answers the acknowledgement",
                    c.complainant.address
                ),
            )
        }
        Act::Bounce { case } => {
            let (_, c, last) = org.complainant_thread(*case).await?;
            let original: String = String::from_utf8_lossy(&last.raw)
                .lines()
                .take_while(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\r\n");
            let raw = format!(
                "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.{domain} (Mail Delivery System)\r\nTo: {}\r\nSubject: Undelivered Mail Returned to Sender\r\nDate: {}\r\nMessage-ID: <demo-{n}@mx.{domain}>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHost no-such-host.example.test not found.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.{domain}\r\n\r\nFinal-Recipient: rfc822; {}\r\nAction: failed\r\nStatus: 5.1.2\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n{original}\r\n--b--\r\n",
                org.app.loaded.config.organisation.reply_address,
                at.to_rfc2822(),
                c.complainant.address
            );
            (
                raw.into_bytes(),
                format!("the acknowledgement to {} bounces", c.complainant.address),
            )
        }
    };
    let result = ingest::ingest(&org.app, &raw, "demo", at).await?;
    let outcome = match &result {
        Ingested::Opened(r) => {
            org.cases.push(r.clone());
            let c = org
                .app
                .store
                .case(&r.parse()?)
                .await?
                .ok_or_else(|| anyhow!("no case {r}"))?;
            let flags = c
                .flags
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{r} opened: {}{}, {}",
                c.kind,
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" [{flags}]")
                },
                c.state.as_str()
            )
        }
        Ingested::Threaded(r) => {
            let c = org
                .app
                .store
                .case(&r.parse()?)
                .await?
                .ok_or_else(|| anyhow!("no case {r}"))?;
            let stage = org
                .app
                .loaded
                .policy
                .stage(c.stage)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            if matches!(a, Act::Stranger { .. }) {
                format!(
                    "{r}: recorded as a third party's message, nothing changed ({}, {stage})",
                    c.state.as_str()
                )
            } else {
                format!("{r}: {}, {stage}", c.state.as_str())
            }
        }
        Ingested::Ignored { kind, case } => format!(
            "{kind}: recorded{}, never answered",
            case.as_ref()
                .map(|c| format!(" against {c}"))
                .unwrap_or_default()
        ),
        Ingested::Duplicate => "duplicate: nothing changed".into(),
        Ingested::Quarantined(r) => format!("quarantined: {r}"),
    };
    writeln!(out, "{}  {}  {say}", when(at), org.label)?;
    writeln!(out, "                          = {outcome}")?;
    Ok(())
}
