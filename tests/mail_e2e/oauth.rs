//! OAuth2 sign-in end to end: Dovecot's `oauth2` passdb (IMAP, and Postfix
//! submission through Dovecot SASL) checks bearer tokens with the local token
//! server (`scripts/oauth2-token-server`, started by `scripts/mail-stack`),
//! which stands in for Microsoft Entra ID and Google. Each test drives the
//! real `complaintd` binary and steers the token server through its admin
//! endpoints (token lifetime, revocation, a hanging or broken endpoint, a
//! skewed clock).

use crate::faults::{proxy, Fault};
use crate::stack::*;
use std::time::{Duration, Instant};

const POLICY_B: &str = include_str!("../../examples/provider-b/policy.toml");
const SCOPE_CLIENTS: [&str; 5] = [
    "complaints-daemon",
    "info-daemon",
    "cert-daemon",
    "refresh-daemon",
    "complaintd@lab-project.iam.gserviceaccount.test",
];

async fn admin(s: &Stack, action: &str, form: &[(&str, &str)]) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/{action}", s.get("STACK_TOKEN_ADMIN")))
        .form(form)
        .send()
        .await
        .expect("token server admin")
        .error_for_status()
        .expect("admin action accepted")
        .json()
        .await
        .expect("admin JSON")
}

/// The token server's counter `key` for `client` (tokens issued, refused, …).
async fn stat(s: &Stack, client: &str, key: &str) -> u64 {
    let v: serde_json::Value = reqwest::get(format!("{}/stats", s.get("STACK_TOKEN_ADMIN")))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON");
    v[client][key].as_u64().unwrap_or(0)
}

/// The stack to ourselves, empty mailboxes and a fresh token server.
async fn lab() -> (&'static Stack, tokio::sync::MutexGuard<'static, ()>) {
    let (s, g) = stack().await;
    purge_all(s);
    reset(s).await;
    (s, g)
}

/// An instance with `tail` (mailboxes, outbox, alerts) and the apps' secret files.
fn instance(tail: &str) -> Instance {
    let app = Instance::with_mail_config(POLICY_B, tail);
    secrets(&app);
    app
}

/// A fresh token server: no tokens, modes, revocations or clock offset.
async fn reset(s: &Stack) {
    admin(s, "reset", &[]).await;
    for c in SCOPE_CLIENTS {
        admin(s, "restore", &[("client", c)]).await;
    }
}

/// Client credentials with a secret file in the instance's directory.
fn client_credentials(s: &Stack, client: &str, mechanism: &str) -> String {
    format!(
        "grant = \"client_credentials\"\nmechanism = \"{mechanism}\"\ntoken_url = \"{}\"\nclient_id = \"{client}\"\nclient_secret_file = \"{client}.secret\"\n",
        s.get("STACK_TOKEN_URL")
    )
}

/// Alerts to the director, at once, through a second SMTP account (info@,
/// with a password) when the outbox's own account is the one failing.
fn alerts(s: &Stack) -> String {
    let ca = s.get("STACK_CA");
    let sub = s.port("STACK_SUBMISSION_PORT");
    format!(
        r#"
[alerts]
operators = ["director@example.test"]
grace_minutes = 0
outage_grace_minutes = 0
[alerts.smtp]
host = "localhost"
port = {sub}
tls = "starttls"
ca_file = "{ca}"
username = "info@example.test"
password_env = "TEST_MAIL_PASSWORD"
timeout_seconds = 10
"#
    )
}

fn write(app: &Instance, name: &str, content: &str) {
    std::fs::write(app.dir.path().join(name), content).expect("write");
}

fn secrets(app: &Instance) {
    write(app, "complaints-daemon.secret", "lab-secret-1\n");
    write(app, "info-daemon.secret", "lab-secret-2\n");
}

fn status(app: &Instance) -> serde_json::Value {
    let out = app
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn account<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["account"] == name))
        .unwrap_or(&serde_json::Value::Null)
}

fn check(app: &Instance) -> (bool, String) {
    let out = app.command().arg("check").output().expect("check");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn complaint(from: &str, to: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Cancelled sessions {id}\r\nMessage-ID: <{id}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am not happy: my sessions keep being cancelled without notice and I want to know why.\r\n"
    )
    .into_bytes()
}

/// Acknowledgements answering the complaint with Message-ID `<id@example.test>`.
/// A complaint from `from` (a display address) to the `mailbox`@ address, by SMTP.
async fn send(s: &Stack, from: &str, mailbox: &str, id: &str) {
    let envelope_from = from
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(from);
    let to = format!("{mailbox}@example.test");
    smtp_send(s, envelope_from, &[&to], &complaint(from, &to, id)).await;
}

fn acks_to(msgs: &[Vec<u8>], id: &str) -> usize {
    let answered = format!("<{id}@example.test>");
    msgs.iter()
        .filter(|m| {
            subject(m).contains("We have received")
                && String::from_utf8_lossy(m).contains(&answered)
        })
        .count()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

async fn wait_status(
    app: &Instance,
    secs: u64,
    what: &str,
    f: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let st = status(app);
        if f(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}; status: {st:#}\nlog (end):\n{}",
            tail(&app.log(), 60)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_sign_in_for_imap_and_smtp() {
    let (s, _g) = lab().await;
    let imap = s.port("STACK_IMAP_PORT");
    let tail = format!(
        "{}{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            30,
            10,
            Auth::OAuth2(&client_credentials(s, "complaints-daemon", "xoauth2"))
        ),
        mailbox(
            s,
            "info",
            imap,
            "starttls",
            30,
            10,
            Auth::OAuth2(&client_credentials(s, "info-daemon", "oauthbearer"))
        ),
        outbox(
            s,
            Auth::OAuth2(&client_credentials(s, "complaints-daemon", "xoauth2"))
        ),
    );
    let mut app = instance(&tail);

    // `check` signs in to both mailboxes and the SMTP account with tokens.
    let (ok, out) = check(&app);
    assert!(ok, "check failed:\n{out}");
    assert!(
        out.contains("mailbox complaints: signed in") && out.contains("(OAuth2)"),
        "{out}"
    );
    assert!(
        out.contains(
            "outbox.smtp: connected to localhost and signed in as complaints@example.test (OAuth2)"
        ),
        "{out}"
    );

    let issued_to_check = stat(s, "complaints-daemon", "issued").await;
    app.start();
    send(s, "Alice <alice@example.test>", "complaints", "cc-1").await;
    send(s, "Bob <bob@example.test>", "info", "cc-2").await;
    wait_inbox(
        s,
        "alice",
        30,
        "the acknowledgement (read by XOAUTH2, sent by SMTP XOAUTH2)",
        |m| acks_to(m, "cc-1") == 1,
    )
    .await;
    wait_inbox(
        s,
        "bob",
        30,
        "the acknowledgement (read by OAUTHBEARER)",
        |m| acks_to(m, "cc-2") == 1,
    )
    .await;
    let st = status(&app);
    for a in ["mailbox:complaints", "mailbox:info", "smtp:outbox"] {
        assert_eq!(account(&st, a)["sign_in"], "oauth2", "{st:#}");
        assert!(
            account(&st, a)["last_login"].is_string(),
            "{a} has a last good sign-in: {st:#}"
        );
        assert!(account(&st, a)["failing_since"].is_null(), "{st:#}");
    }
    // One app, one token: the complaints mailbox and the SMTP account share it.
    assert_eq!(
        stat(s, "complaints-daemon", "issued").await - issued_to_check,
        1
    );
    assert!(!app.log().contains("lab."), "no token in the log");
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_renewed_before_expiry_during_a_long_idle() {
    let (s, _g) = lab().await;
    // Tokens live 8 s; IDLE would otherwise wait 25 minutes.
    admin(s, "ttl", &[("client", "complaints-daemon"), ("ttl", "8")]).await;
    let imap = s.port("STACK_IMAP_PORT");
    let cc = client_credentials(s, "complaints-daemon", "xoauth2");
    let tail = format!(
        "{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            1500,
            10,
            Auth::OAuth2(&cc)
        ),
        outbox(s, Auth::OAuth2(&cc))
    );
    let mut app = instance(&tail);
    app.start();
    wait_for(60, "three renewals", || {
        app.log().matches("access token due for renewal").count() >= 3
    })
    .await;
    // Mail arriving now is read by a session on a renewed token, and the
    // acknowledgement goes out on an SMTP session signed in with it.
    send(s, "Alice <alice@example.test>", "complaints", "idle-1").await;
    wait_inbox(s, "alice", 30, "the acknowledgement", |m| {
        acks_to(m, "idle-1") == 1
    })
    .await;
    // The token endpoint fails at renewal time: the session is kept while
    // its token is still good, and renewed as soon as the endpoint is back.
    admin(
        s,
        "mode",
        &[("client", "complaints-daemon"), ("mode", "error500")],
    )
    .await;
    wait_for(30, "a failed renewal", || {
        app.log().contains("cannot renew the access token yet")
    })
    .await;
    admin(
        s,
        "mode",
        &[("client", "complaints-daemon"), ("mode", "ok")],
    )
    .await;
    let renewals = app.log().matches("access token due for renewal").count();
    wait_for(30, "the renewal after the endpoint came back", || {
        app.log().matches("access token due for renewal").count() > renewals
    })
    .await;
    let log = app.log();
    assert!(log.contains("SMTP signs in with a new token"), "{log}");
    assert!(
        !log.contains("session failed") && !log.contains("cannot sign in"),
        "renewed before expiry, never refused:\n{log}"
    );
    // Never a token Dovecot found expired.
    assert_eq!(stat(s, "-", "introspect_inactive").await, 0, "{log}");
    assert!(stat(s, "complaints-daemon", "issued").await >= 4);
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ended_on_expiry_comes_back_with_nothing_lost_or_doubled() {
    let (s, _g) = lab().await;
    let (port, _) = proxy(
        s.port("STACK_IMAP_PORT"),
        Fault::ByeAfter(Duration::from_secs(3)),
    )
    .await;
    for i in 0..4 {
        append(
            s,
            "complaints",
            &complaint(
                &format!("Bob <bob+e{i}@example.test>"),
                "complaints@example.test",
                &format!("bye-{i}"),
            ),
        )
        .await;
    }
    let cc = client_credentials(s, "complaints-daemon", "xoauth2");
    let tail = format!(
        "{}{}",
        mailbox(s, "complaints", port, "plain", 1500, 5, Auth::OAuth2(&cc)),
        outbox(s, Auth::OAuth2(&cc))
    );
    let mut app = instance(&tail);
    app.start();
    // Mail keeps arriving across several sessions ended by the server.
    for i in 4..10 {
        send(
            s,
            &format!("Bob <bob+e{i}@example.test>"),
            "complaints",
            &format!("bye-{i}"),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await; // spacing the arrivals, not waiting for a result
    }
    wait_for(60, "ten cases", || app.cases().len() >= 10).await;
    let bob = wait_inbox(s, "bob", 60, "ten acknowledgements", |m| {
        (0..10).all(|i| acks_to(m, &format!("bye-{i}")) >= 1)
    })
    .await;
    let log = app.log();
    assert!(
        log.matches("AccessTokenExpired").count() >= 2,
        "sessions were ended by the server:\n{log}"
    );
    assert_eq!(app.cases().len(), 10, "nothing doubled");
    for i in 0..10 {
        assert_eq!(
            acks_to(&bob, &format!("bye-{i}")),
            1,
            "one acknowledgement for bye-{i}"
        );
    }
    // Each reconnect asked for a new token rather than reusing the withdrawn one.
    assert!(stat(s, "complaints-daemon", "issued").await >= 3, "{log}");
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_grant_alerts_operators_and_heads_the_digest_until_it_clears() {
    let (s, _g) = lab().await;
    admin(s, "ttl", &[("client", "complaints-daemon"), ("ttl", "6")]).await;
    let imap = s.port("STACK_IMAP_PORT");
    let cc = client_credentials(s, "complaints-daemon", "xoauth2");
    let tail = format!(
        "{}{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            1500,
            10,
            Auth::OAuth2(&cc)
        ),
        outbox(s, Auth::OAuth2(&cc)),
        alerts(s)
    );
    let mut app = instance(&tail);
    app.start();
    wait_status(&app, 60, "the first sign-in", |st| {
        account(st, "mailbox:complaints")["last_login"].is_string()
    })
    .await;

    // The administrator withdraws the app: tokens stop working and no new one is issued.
    admin(s, "revoke", &[("client", "complaints-daemon")]).await;
    // A complaint arrives meanwhile; the outbox's own account is failing too,
    // so the alert must go through the alerts' SMTP account.
    send(s, "Alice <alice@example.test>", "complaints", "rev-1").await;
    let director = wait_inbox(s, "director", 60, "the sign-in alert", |m| {
        m.iter()
            .any(|x| subject(x).contains("ALERT") && subject(x).contains("mailbox complaints"))
    })
    .await;
    let alert = director
        .iter()
        .find(|x| subject(x).contains("mailbox complaints"))
        .expect("alert");
    let text = parse(alert).text;
    assert!(
        text.contains("AADSTS7000112"),
        "the provider's words: {text}"
    );
    assert!(text.contains("What to check:"), "{text}");
    let st = wait_status(&app, 60, "the failure in status", |st| {
        account(st, "mailbox:complaints")["alerted_at"].is_string()
    })
    .await;
    let mb = account(&st, "mailbox:complaints");
    assert_eq!(mb["failure_kind"], "auth", "{st:#}");
    assert!(
        mb["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("AADSTS7000112"),
        "{st:#}"
    );
    assert_eq!(st["ok"], false);
    let out = app
        .command()
        .args(["digest", "--preview"])
        .output()
        .expect("digest");
    let digest = String::from_utf8_lossy(&out.stdout).to_string();
    let first = digest
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with("Digest"))
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        first.contains("ACTION NEEDED"),
        "heads the digest:\n{digest}"
    );
    assert!(
        digest.contains("mailbox complaints") && digest.contains("AADSTS7000112"),
        "{digest}"
    );

    // Fixed: everything resumes, the all-clear goes out, the complaint is answered.
    admin(s, "restore", &[("client", "complaints-daemon")]).await;
    wait_inbox(s, "director", 90, "the all-clear", |m| {
        m.iter().any(|x| subject(x).contains("works again"))
    })
    .await;
    wait_inbox(s, "alice", 60, "the acknowledgement after recovery", |m| {
        acks_to(m, "rev-1") == 1
    })
    .await;
    let st = status(&app);
    assert!(
        account(&st, "mailbox:complaints")["failing_since"].is_null(),
        "{st:#}"
    );
    let out = app
        .command()
        .args(["digest", "--preview"])
        .output()
        .expect("digest");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ACTION NEEDED"));
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_token_endpoint_fails_one_mailbox_only() {
    let (s, _g) = lab().await;
    let imap = s.port("STACK_IMAP_PORT");
    let tail = format!(
        "{}{}{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            30,
            3,
            Auth::OAuth2(&client_credentials(s, "complaints-daemon", "xoauth2"))
        ),
        mailbox(
            s,
            "info",
            imap,
            "starttls",
            30,
            10,
            Auth::OAuth2(&client_credentials(s, "info-daemon", "xoauth2"))
        ),
        outbox(s, Auth::Password),
        alerts(s),
    );
    let mut app = instance(&tail);
    admin(
        s,
        "mode",
        &[("client", "complaints-daemon"), ("mode", "hang")],
    )
    .await;
    app.start();
    // Mail for the broken mailbox waits on the server; it must not be lost.
    append(
        s,
        "complaints",
        &complaint(
            "Alice <alice@example.test>",
            "complaints@example.test",
            "wait-1",
        ),
    )
    .await;

    // (token server mode, what happens to the secret file, the error expected)
    let phases = [
        ("hang", None, "did not answer within 3 s"),
        ("html", None, "page titled \\\"Sign in to your account\\\""),
        ("garbage", None, "unusable JSON"),
        ("ok", Some(""), "cannot read client secret file"),
        ("ok", Some("not-the-secret\n"), "AADSTS7000215"),
    ];
    for (i, (mode, setup, expect)) in phases.iter().enumerate() {
        admin(
            s,
            "mode",
            &[("client", "complaints-daemon"), ("mode", mode)],
        )
        .await;
        match setup {
            Some("") => std::fs::remove_file(app.dir.path().join("complaints-daemon.secret"))
                .expect("remove the secret file"),
            Some(content) => write(&app, "complaints-daemon.secret", content),
            None => {}
        }
        let st = wait_status(&app, 60, expect, |st| {
            account(st, "mailbox:complaints")["last_error"]
                .to_string()
                .contains(expect)
        })
        .await;
        // Meanwhile the other mailbox keeps working.
        let id = format!("other-{i}");
        send(s, "Bob <bob@example.test>", "info", &id).await;
        wait_inbox(s, "bob", 30, "the other mailbox's acknowledgement", |m| {
            acks_to(m, &id) == 1
        })
        .await;
        assert!(
            account(&st, "mailbox:info")["failing_since"].is_null(),
            "{st:#}"
        );
        if i == 0 {
            wait_inbox(s, "director", 30, "the alert", |m| {
                m.iter().any(|x| subject(x).contains("ALERT"))
            })
            .await;
        }
    }
    // `check` names the mailbox and quotes the provider.
    let (ok, out) = check(&app);
    assert!(!ok);
    assert!(
        out.contains("mailbox[0] (complaints)")
            && out.contains("AADSTS7000215: Invalid client secret provided"),
        "{out}"
    );
    // Fixed: the waiting message is taken in, once.
    write(&app, "complaints-daemon.secret", "lab-secret-1\n");
    wait_inbox(
        s,
        "alice",
        90,
        "the waiting complaint's acknowledgement",
        |m| acks_to(m, "wait-1") == 1,
    )
    .await;
    let log = app.log();
    assert!(
        !log.contains("lab-secret-1") && !log.contains("not-the-secret"),
        "no secret in the log"
    );
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_survives_a_restart() {
    let (s, _g) = lab().await;
    admin(s, "ttl", &[("client", "refresh-daemon"), ("ttl", "6")]).await;
    let seeded = admin(
        s,
        "seed_refresh",
        &[
            ("client", "refresh-daemon"),
            ("mailbox", "complaints@example.test"),
        ],
    )
    .await;
    let seed = seeded["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    let oauth = format!(
        "grant = \"refresh_token\"\ntoken_url = \"{}\"\nclient_id = \"refresh-daemon\"\nrefresh_token_file = \"state/refresh-token\"\n",
        s.get("STACK_TOKEN_URL")
    );
    let imap = s.port("STACK_IMAP_PORT");
    let tail = format!(
        "{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            1500,
            10,
            Auth::OAuth2(&oauth)
        ),
        outbox(s, Auth::Password)
    );
    let mut app = Instance::with_mail_config(POLICY_B, &tail);
    std::fs::create_dir(app.dir.path().join("state")).expect("mkdir");
    let file = app.dir.path().join("state/refresh-token");
    write(&app, "state/refresh-token", &format!("{seed}\n"));
    app.start();
    wait_for(60, "three rotations", || {
        app.log().matches("rotated refresh token saved").count() >= 3
    })
    .await;
    let saved = std::fs::read_to_string(&file).expect("token file");
    assert_ne!(saved.trim(), seed);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    // A hard crash, then a start: the saved token is the live one.
    app.kill9();
    let before = stat(s, "refresh-daemon", "refresh_rotated").await;
    app.start();
    wait_for(60, "a rotation after the restart", || {
        let log = app.log();
        log.matches("rotated refresh token saved").count() >= 4
    })
    .await;
    assert!(stat(s, "refresh-daemon", "refresh_rotated").await > before);
    assert_eq!(stat(s, "refresh-daemon", "refresh_reuse_detected").await, 0);
    assert_eq!(
        stat(s, "refresh-daemon", "refused").await,
        0,
        "{}",
        app.log()
    );
    send(s, "Alice <alice@example.test>", "complaints", "rt-1").await;
    wait_inbox(s, "alice", 30, "the acknowledgement", |m| {
        acks_to(m, "rt-1") == 1
    })
    .await;
    assert!(app.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_and_google_service_account_with_a_clock_off_by_minutes() {
    let (s, _g) = lab().await;
    let dir = s.get("STACK_OAUTH_DIR");
    let url = s.get("STACK_TOKEN_URL");
    let imap = s.port("STACK_IMAP_PORT");
    let cert = format!(
        "grant = \"client_credentials\"\ntoken_url = \"{url}\"\nclient_id = \"cert-daemon\"\ncertificate_file = \"{dir}/cert-app.crt\"\nprivate_key_file = \"{dir}/cert-app.key\"\n"
    );
    let google = format!(
        "grant = \"google_service_account\"\nservice_account_file = \"{dir}/google-sa.json\"\n"
    );
    let tail = format!(
        "{}{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            30,
            10,
            Auth::OAuth2(&cert)
        ),
        mailbox(s, "info", imap, "starttls", 30, 10, Auth::OAuth2(&google)),
        outbox(s, Auth::Password),
    );
    let app = Instance::with_mail_config(POLICY_B, &tail);
    // The provider's clock four minutes behind ours, then four minutes ahead.
    for offset in ["-240", "240"] {
        admin(s, "clock", &[("offset", offset)]).await;
        let (ok, out) = check(&app);
        assert!(ok, "clock off by {offset} s:\n{out}");
        assert!(
            out.contains("mailbox complaints: signed in")
                && out.contains("mailbox info: signed in"),
            "{out}"
        );
    }
    // Fifteen minutes off is too much, and the error says so in the provider's words.
    admin(s, "clock", &[("offset", "-900")]).await;
    let (ok, out) = check(&app);
    assert!(!ok);
    assert!(
        out.contains("mailbox[0] (complaints)") && out.contains("AADSTS700024"),
        "{out}"
    );
    assert!(
        out.contains("mailbox[1] (info)")
            && out.contains("Invalid JWT: Token must be a short-lived token"),
        "{out}"
    );
    admin(s, "clock", &[("offset", "0")]).await;

    // A token the mail server rejects: info-daemon's token is for info@, not complaints@.
    let tail = format!(
        "{}{}",
        mailbox(
            s,
            "complaints",
            imap,
            "starttls",
            30,
            10,
            Auth::OAuth2(&client_credentials(s, "info-daemon", "xoauth2"))
        ),
        outbox(s, Auth::Password),
    );
    let wrong = instance(&tail);
    let (ok, out) = check(&wrong);
    assert!(!ok);
    assert!(
        out.contains("mailbox[0] (complaints)") && out.contains("AUTHENTICATIONFAILED"),
        "{out}"
    );
    assert!(
        out.contains("What to check: The mail server refused the token"),
        "{out}"
    );
}
