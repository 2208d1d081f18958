//! `complaintd check`: validate the config, the policy and the templates, and
//! report every problem with its file, key and what is wrong.

use crate::config::templates::Templates;
use crate::config::{self, ConfigError, Loaded};
use std::collections::BTreeSet;
use std::path::Path;

/// What `check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems that stop the daemon from running correctly.
    pub problems: Vec<ConfigError>,
    /// Things worth knowing that do not stop it (e.g. a secret not present
    /// on this machine during an offline check).
    pub warnings: Vec<ConfigError>,
    /// What was checked, for the summary.
    pub checked: Vec<String>,
}

/// Validate everything that can be validated without a network.
/// `offline` turns "secret not readable here" into a warning.
pub fn check(path: &Path, offline: bool) -> Report {
    let mut r = Report::default();
    let loaded = match config::load(path) {
        Ok(l) => l,
        Err(e) => {
            r.problems.push(e);
            return r;
        }
    };
    r.checked.push(format!("config {}", loaded.path.display()));
    r.checked
        .push(format!("policy {}", loaded.policy_path.display()));
    check_policy(&loaded, &mut r);
    check_config(&loaded, offline, &mut r);
    check_templates(&loaded, &mut r);
    r
}

/// The policy's own problems and the roles it names that nobody holds
/// (reads no files: the fuzz target runs it too).
pub(crate) fn check_policy(l: &Loaded, r: &mut Report) {
    let pfile = &l.policy_path;
    for p in l.policy.validate() {
        r.problems.push(ConfigError::new(pfile, p.key, p.message));
    }
    let directory = l.directory();
    let mut seen = BTreeSet::new();
    for (key, role) in l.policy.roles() {
        if role == crate::core::policy::EXTERNAL_BODIES {
            // Only meaningful when the next stage is an external one.
            let idx = key
                .strip_prefix("stage[")
                .and_then(|k| k.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            let ok = idx
                .and_then(|i| l.policy.stage(i + 1))
                .is_some_and(|s| s.is_external());
            if !ok {
                r.problems.push(ConfigError::new(
                    pfile,
                    key,
                    format!("\"{}\" names the next stage's external bodies, but the next stage is not external", crate::core::policy::EXTERNAL_BODIES),
                ));
            }
            continue;
        }
        if !directory.has_role(&role) && seen.insert(role.clone()) {
            r.problems.push(ConfigError::new(
                pfile,
                key,
                format!(
                    "role {role:?} has nobody in it: add roles = [\"{role}\"] to a [[staff]] entry in {}",
                    l.path.display()
                ),
            ));
        }
    }
}

fn check_config(l: &Loaded, offline: bool, r: &mut Report) {
    let f = &l.path;
    let c = &l.config;
    for (key, message) in c
        .observe
        .problems()
        .into_iter()
        .chain(c.instances.problems())
    {
        r.problems.push(ConfigError::new(f, key, message));
    }
    let valid_address = |a: &str| {
        let a = a.trim();
        a.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !a.contains(char::is_whitespace)
        })
    };
    if c.organisation.name.trim().is_empty() {
        r.problems
            .push(ConfigError::new(f, "organisation.name", "is empty"));
    }
    if c.organisation.addresses.is_empty() {
        r.problems.push(ConfigError::new(
            f,
            "organisation.addresses",
            "list the organisation's own mailboxes (mail from them never opens a case)",
        ));
    }
    for (i, a) in c.organisation.addresses.iter().enumerate() {
        if !valid_address(a) {
            r.problems.push(ConfigError::new(
                f,
                format!("organisation.addresses[{i}]"),
                format!("{a:?} is not an email address"),
            ));
        }
    }
    if !valid_address(&c.organisation.reply_address) {
        r.problems.push(ConfigError::new(
            f,
            "organisation.reply_address",
            format!("{:?} is not an email address", c.organisation.reply_address),
        ));
    } else if !c
        .organisation
        .addresses
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&c.organisation.reply_address))
    {
        r.problems.push(ConfigError::new(
            f,
            "organisation.reply_address",
            "must be one of organisation.addresses, or replies would not come back to complaintd",
        ));
    }
    for (i, lang) in c.organisation.languages.iter().enumerate() {
        let key = format!("organisation.languages[{i}]");
        if lang.len() != 2 || !lang.chars().all(|ch| ch.is_ascii_lowercase()) {
            r.problems.push(ConfigError::new(
                f,
                key,
                format!("{lang:?} is not an ISO 639-1 language code (two lower-case letters, e.g. \"cy\", \"en\")"),
            ));
        } else if c.organisation.languages[..i].contains(lang) {
            r.problems.push(ConfigError::new(
                f,
                key,
                format!("{lang:?} is listed twice"),
            ));
        }
    }
    let open = config::parse_time(&c.calendar.open);
    let close = config::parse_time(&c.calendar.close);
    if open.is_none() {
        r.problems.push(ConfigError::new(
            f,
            "calendar.open",
            format!("{:?} is not a time like \"09:00\"", c.calendar.open),
        ));
    }
    if close.is_none() {
        r.problems.push(ConfigError::new(
            f,
            "calendar.close",
            format!("{:?} is not a time like \"17:00\"", c.calendar.close),
        ));
    }
    if let (Some(o), Some(cl)) = (open, close) {
        if o >= cl {
            r.problems.push(ConfigError::new(
                f,
                "calendar.close",
                "must be later than calendar.open",
            ));
        }
    }
    let mut emails = BTreeSet::new();
    for (i, p) in c.staff.iter().enumerate() {
        if p.name.trim().is_empty() {
            r.problems
                .push(ConfigError::new(f, format!("staff[{i}].name"), "is empty"));
        }
        if !valid_address(&p.email) {
            r.problems.push(ConfigError::new(
                f,
                format!("staff[{i}].email"),
                format!("{:?} is not an email address", p.email),
            ));
        }
        if !emails.insert(p.email.to_ascii_lowercase()) {
            r.problems.push(ConfigError::new(
                f,
                format!("staff[{i}].email"),
                format!("{} is listed twice", p.email),
            ));
        }
        if c.organisation
            .addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&p.email))
        {
            r.problems.push(ConfigError::new(
                f,
                format!("staff[{i}].email"),
                "is one of the organisation's own mailboxes: staff need their own address",
            ));
        }
        if p.roles.is_empty() {
            r.warnings.push(ConfigError::new(
                f,
                format!("staff[{i}].roles"),
                format!("{} has no role", p.name),
            ));
        }
    }
    if c.staff.is_empty() {
        r.problems.push(ConfigError::new(
            f,
            "staff",
            "no staff: add [[staff]] entries with roles",
        ));
    }
    if config::parse_time(&c.digest.time).is_none() {
        r.problems.push(ConfigError::new(
            f,
            "digest.time",
            format!("{:?} is not a time like \"08:00\"", c.digest.time),
        ));
    }
    let directory = l.directory();
    for (i, role) in c.digest.to.iter().enumerate() {
        if !directory.has_role(role) {
            r.problems.push(ConfigError::new(
                f,
                format!("digest.to[{i}]"),
                format!("role {role:?} has nobody in it"),
            ));
        }
    }
    if c.outbox.max_attempts == 0 {
        r.problems.push(ConfigError::new(
            f,
            "outbox.max_attempts",
            "must be at least 1",
        ));
    }
    for (hour_key, day_key, hour, day) in c.limits.pairs() {
        if hour == 0 || day < hour {
            r.problems.push(ConfigError::new(
                f,
                format!("limits.{hour_key}"),
                format!("{hour_key} must be at least 1 and {day_key} at least {hour_key}"),
            ));
        }
    }
    for (i, d) in c.limits.consumer_domains.iter().enumerate() {
        if d.trim().is_empty() || d.contains('@') || !d.contains('.') {
            r.problems.push(ConfigError::new(
                f,
                format!("limits.consumer_domains[{i}]"),
                format!("{d:?} is not a domain (write gmail.com, not an address)"),
            ));
        }
    }
    if c.limits.max_message_bytes < 1024 {
        r.problems.push(ConfigError::new(
            f,
            "limits.max_message_bytes",
            "must be at least 1024 (the headers alone need room)",
        ));
    }
    if c.limits.processing_budget_ms == 0 {
        r.problems.push(ConfigError::new(
            f,
            "limits.processing_budget_ms",
            "must be at least 1",
        ));
    }
    let mut names = BTreeSet::new();
    for (i, m) in c.mailboxes.iter().enumerate() {
        if m.name.trim().is_empty() || !names.insert(m.name.clone()) {
            r.problems.push(ConfigError::new(
                f,
                format!("mailbox[{i}].name"),
                format!("{:?} is empty or used twice", m.name),
            ));
        }
        match (&m.maildir, &m.imap) {
            (Some(_), Some(_)) | (None, None) => r.problems.push(ConfigError::new(
                f,
                format!("mailbox[{i}]"),
                "give exactly one of maildir = \"…\" or a [mailbox.imap] section",
            )),
            (None, Some(imap)) => {
                if let Some(o) = &imap.oauth2 {
                    check_oauth2(l, o, &format!("mailbox[{i}].imap.oauth2"), offline, r);
                } else if let Err(e) = imap.password.read(l.base_dir()) {
                    let e = ConfigError::new(f, format!("mailbox[{i}].imap"), e);
                    if offline {
                        r.warnings.push(e);
                    } else {
                        r.problems.push(e);
                    }
                }
                if imap.keyword_after.is_some() && imap.move_after.is_some() {
                    r.problems.push(ConfigError::new(
                        f,
                        format!("mailbox[{i}].imap"),
                        "choose keyword_after or move_after, not both",
                    ));
                }
            }
            (Some(_), None) => {}
        }
    }
    for (key, smtp) in [
        ("outbox.smtp", &c.outbox.smtp),
        ("alerts.smtp", &c.alerts.smtp),
    ] {
        let Some(smtp) = smtp else { continue };
        if let Some(o) = &smtp.oauth2 {
            if smtp.username.is_none() {
                r.problems.push(ConfigError::new(
                    f,
                    key,
                    "OAuth2 needs username: the mailbox the token signs in to",
                ));
            }
            if o.mechanism != crate::config::SaslMechanism::Xoauth2 {
                r.problems.push(ConfigError::new(
                    f,
                    format!("{key}.oauth2.mechanism"),
                    "SMTP signs in with xoauth2 only",
                ));
            }
            check_oauth2(l, o, &format!("{key}.oauth2"), offline, r);
        } else if smtp.username.is_some() {
            if let Err(e) = smtp.password.read(l.base_dir()) {
                let e = ConfigError::new(f, key, e);
                if offline {
                    r.warnings.push(e);
                } else {
                    r.problems.push(e);
                }
            }
        }
    }
    for (i, a) in c.alerts.operators.iter().enumerate() {
        if a.parse::<lettre::Address>().is_err() {
            r.problems.push(ConfigError::new(
                f,
                format!("alerts.operators[{i}]"),
                format!("{a:?} is not an email address"),
            ));
        }
    }
    let remote = c.mailboxes.iter().any(|m| m.imap.is_some()) || c.outbox.smtp.is_some();
    if remote && c.alerts.operators.is_empty() {
        r.warnings.push(ConfigError::new(
            f,
            "alerts.operators",
            "nobody is emailed when a mailbox cannot sign in (it still shows in the digest and `status`)",
        ));
    }
    if c.outbox.smtp.is_none() && c.alerts.smtp.is_some() {
        r.problems.push(ConfigError::new(
            f,
            "alerts.smtp",
            "a fallback for alerts needs [outbox.smtp] as the main account",
        ));
    }
    if c.outbox.smtp.is_none() && c.outbox.maildir.is_none() && !c.mailboxes.is_empty() {
        r.problems.push(ConfigError::new(
            f,
            "outbox",
            "mailboxes are read but no mail can leave: set [outbox.smtp] or [outbox] maildir",
        ));
    }
    let s = &c.security;
    if s.secret_file.is_none() && s.secret_env.is_none() {
        r.problems.push(ConfigError::new(
            f,
            "security",
            "set secret_file or secret_env: the key that signs reply tokens and Message-IDs",
        ));
    } else {
        match l.secret_bytes() {
            // Offline, the secret may live only on the server (a systemd
            // credential): not being able to read it here is a warning.
            Err(e) if offline => r.warnings.push(e),
            Err(e) => r.problems.push(e),
            // Readable but refused by the daemon: a problem either way.
            Ok(bytes) => {
                if let Err(e) = l.validate_secret(bytes) {
                    r.problems.push(e);
                }
            }
        }
    }
    if s.token_lifetime_days == 0 {
        r.problems.push(ConfigError::new(
            f,
            "security.token_lifetime_days",
            "must be at least 1: a reply token that expires at once would refuse every handler's reply",
        ));
    }
    r.checked.push(format!(
        "{} staff, {} stage(s)",
        c.staff.len(),
        l.policy.stages.len()
    ));
}

/// An OAuth2 section: required keys for its grant, and (a warning offline,
/// a problem online) whether its secret, key or token files can be read.
fn check_oauth2(
    l: &Loaded,
    o: &crate::config::OAuth2Config,
    key: &str,
    offline: bool,
    r: &mut Report,
) {
    let f = &l.path;
    for p in o.problems() {
        let (k, cause) = p.split_once(": ").unwrap_or(("", p.as_str()));
        r.problems
            .push(ConfigError::new(f, format!("{key}.{k}"), cause.to_string()));
    }
    let base = l.base_dir();
    let mut unreadable = Vec::new();
    if o.client_secret_file.is_some() || o.client_secret_env.is_some() {
        if let Err(e) = o.client_secret().read_named(base, "client secret") {
            unreadable.push(e);
        }
    }
    for (what, p) in [
        ("certificate_file", &o.certificate_file),
        ("private_key_file", &o.private_key_file),
        ("refresh_token_file", &o.refresh_token_file),
        ("service_account_file", &o.service_account_file),
    ] {
        if let Some(p) = p {
            let p = crate::config::relative_to(base, p);
            if let Err(e) = std::fs::read(&p) {
                unreadable.push(format!("{what} {}: {e}", p.display()));
            }
        }
    }
    for e in unreadable {
        let e = ConfigError::new(f, key, e);
        if offline {
            r.warnings.push(e);
        } else {
            r.problems.push(e);
        }
    }
}

fn check_templates(l: &Loaded, r: &mut Report) {
    let dir = l.config.templates.dir.as_ref().map(|d| l.resolve(d));
    if let Some(d) = &dir {
        if !d.is_dir() {
            r.problems.push(ConfigError::new(
                &l.path,
                "templates.dir",
                format!("{} is not a directory", d.display()),
            ));
            return;
        }
    }
    match Templates::load(dir.as_deref(), &l.config.organisation.languages()) {
        Ok(t) => {
            for e in t.check() {
                r.problems.push(ConfigError::new(
                    Path::new(&e.source_file),
                    format!("template {}", e.name),
                    e.message,
                ));
            }
            r.checked
                .push("templates rendered with sample data (strict)".into());
        }
        Err(errors) => {
            for e in errors {
                r.problems.push(ConfigError::new(
                    Path::new(&e.source_file),
                    format!("template {}", e.name),
                    e.message,
                ));
            }
        }
    }
}

/// A provider's error, followed by what to check when it is a known one.
/// Only for OAuth2 sign-in: the hints speak of tokens and app registrations.
fn with_hint(error: String, oauth2: bool) -> String {
    match crate::core::oauth::hint(&error).filter(|_| oauth2) {
        Some(h) => format!("{error}. What to check: {h}"),
        None => error,
    }
}

/// Reach every configured server: sign in to each IMAP mailbox and select its
/// folder, and open (and authenticate) a session with each SMTP account. Each
/// failure is reported with the mailbox or account and the provider's own
/// words (the token endpoint's AADSTS text, the server's NO or 535 line).
pub async fn check_online(l: &Loaded, r: &mut Report) {
    let base = l.base_dir();
    let tokens = crate::mail::token_source::Registry::default();
    for (i, m) in l.config.mailboxes.iter().enumerate() {
        let Some(imap) = &m.imap else { continue };
        let src = imap
            .oauth2
            .as_ref()
            .map(|o| tokens.source(o, base, &imap.username, imap.timeout_seconds));
        let how = if imap.oauth2.is_some() {
            "OAuth2"
        } else {
            "password"
        };
        match crate::mail::imap::probe(imap, base, src.as_deref()).await {
            Ok((exists, idle)) => r.checked.push(format!(
                "mailbox {}: signed in to {} as {} ({how}), folder {} has {exists} message(s){}",
                m.name,
                imap.host,
                imap.username,
                imap.folder,
                if idle {
                    ", IDLE offered"
                } else {
                    ", no IDLE (will poll)"
                }
            )),
            Err(e) => r.problems.push(ConfigError::new(
                &l.path,
                format!("mailbox[{i}] ({})", m.name),
                with_hint(e.to_string(), imap.oauth2.is_some()),
            )),
        }
    }
    let from = &l.config.organisation.reply_address;
    let accounts = [
        ("outbox.smtp", l.config.outbox.smtp.as_ref()),
        ("alerts.smtp", l.config.alerts.smtp.as_ref()),
    ];
    for (key, smtp) in accounts {
        let Some(smtp) = smtp else { continue };
        let src = smtp.oauth2.as_ref().map(|o| {
            tokens.source(
                o,
                base,
                smtp.username.as_deref().unwrap_or(""),
                smtp.timeout_seconds,
            )
        });
        let account = match crate::mail::sender::SmtpAccount::new(smtp, base, from, key, src) {
            Ok(a) => a,
            Err(e) => {
                r.problems
                    .push(ConfigError::new(&l.path, key, e.to_string()));
                continue;
            }
        };
        match account.test().await {
            Ok(()) => r.checked.push(format!(
                "{key}: connected to {}{}",
                smtp.host,
                match (&smtp.username, &smtp.oauth2) {
                    (Some(u), Some(_)) => format!(" and signed in as {u} (OAuth2)"),
                    (Some(u), None) => format!(" and signed in as {u}"),
                    _ => String::new(),
                }
            )),
            Err(e) => r.problems.push(ConfigError::new(
                &l.path,
                key,
                with_hint(e, smtp.oauth2.is_some()),
            )),
        }
    }
}
