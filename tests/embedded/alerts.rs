//! Operator alerts on a manual clock: a sign-in failing past its grace
//! period (once, then an all-clear), the digest's first section, and a
//! client secret's expiry warnings 30, 7 and 1 days ahead.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::oauth::FailureKind;

const EXTRA: &str = r#"
[[mailbox]]
name = "m365"
[mailbox.imap]
host = "outlook.office365.com"
username = "complaints@example.test"
[mailbox.imap.oauth2]
grant = "client_credentials"
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-1111-1111-1111-111111111111"
client_secret_env = "UNUSED_IN_THIS_TEST"
secret_expires = 2026-12-31

[alerts]
operators = ["it@example.test"]
grace_minutes = 10
outage_grace_minutes = 60
"#;

fn alerts(rows: &[complaintd::store::OutboxRow]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.template == complaintd::mail::sender::ALERT_TEMPLATE)
        .map(|r| {
            complaintd::core::mail::parse(&r.raw)
                .map(|m| m.subject)
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn a_failing_sign_in_alerts_once_after_its_grace_and_clears() {
    let mut app = TestApp::spawn_with("provider-b", "2026-11-23T09:00:00Z", EXTRA).await;
    let store = &app.app.store;
    store
        .login_ok("mailbox:m365", app.now)
        .await
        .expect("login");
    store
        .login_failed(
            "mailbox:m365",
            app.now,
            FailureKind::Auth,
            "token endpoint refused (401 invalid_client): AADSTS7000215: Invalid client secret provided.",
        )
        .await
        .expect("failure");
    app.advance(Duration::minutes(5));
    app.tick().await;
    assert!(
        alerts(&app.sent_to("it@example.test").await).is_empty(),
        "within the grace period"
    );
    app.advance(Duration::minutes(6));
    let r = app.tick().await;
    assert_eq!(r.alerts, 1);
    let sent = app.sent_to("it@example.test").await;
    let subjects = alerts(&sent);
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(
        subjects[0].starts_with("complaintd ALERT: mailbox m365"),
        "{subjects:?}"
    );
    let text = complaintd::core::mail::parse(&sent[0].raw)
        .expect("parse")
        .text;
    assert!(
        text.contains("AADSTS7000215")
            && text.contains("What to check: The client secret is wrong"),
        "{text}"
    );
    // Still failing: no second alert, and it heads the digest.
    app.app
        .store
        .login_failed("mailbox:m365", app.now, FailureKind::Auth, "again")
        .await
        .expect("failure");
    app.advance(Duration::hours(1));
    app.tick().await;
    assert_eq!(alerts(&app.sent_to("it@example.test").await).len(), 1);
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert_eq!(
        digest.sections[0].title,
        "ACTION NEEDED: sign-in failures and expiring secrets"
    );
    assert!(
        digest.sections[0].lines[0].contains("mailbox m365"),
        "{:?}",
        digest.sections[0]
    );
    // Working again: one all-clear, and the digest no longer leads with it.
    app.app
        .store
        .login_ok("mailbox:m365", app.now)
        .await
        .expect("login");
    app.tick().await;
    app.tick().await;
    let subjects = alerts(&app.sent_to("it@example.test").await);
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[1].ends_with("works again"), "{subjects:?}");
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert!(digest.sections[0]
        .lines
        .iter()
        .all(|l| !l.contains("cannot sign in")));
}

#[tokio::test]
async fn an_outage_waits_for_its_longer_grace() {
    let mut app = TestApp::spawn_with("provider-b", "2026-11-23T09:00:00Z", EXTRA).await;
    app.app
        .store
        .login_failed(
            "mailbox:m365",
            app.now,
            FailureKind::Transient,
            "token endpoint did not answer within 20 s",
        )
        .await
        .expect("failure");
    app.advance(Duration::minutes(30));
    app.tick().await;
    assert!(alerts(&app.sent_to("it@example.test").await).is_empty());
    app.advance(Duration::minutes(31));
    app.tick().await;
    let subjects = alerts(&app.sent_to("it@example.test").await);
    assert_eq!(subjects.len(), 1);
    // An outage is not a refused sign-in: the alert says which it is.
    assert!(
        subjects[0].ends_with(
            "mailbox m365 (complaints@example.test on outlook.office365.com) unreachable"
        ),
        "{subjects:?}"
    );
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert!(
        digest.sections[0].lines[0].contains("unreachable since"),
        "{:?}",
        digest.sections[0]
    );
}

#[tokio::test]
async fn secret_expiry_warnings_30_7_and_1_days_ahead() {
    // The secret expires on 31 December; walk the clock through December.
    let mut app = TestApp::spawn_with("provider-b", "2026-11-20T09:00:00Z", EXTRA).await;
    let mut seen = Vec::new();
    for _ in 0..45 {
        app.tick().await;
        for s in alerts(&app.sent_to("it@example.test").await) {
            if !seen.contains(&s) {
                seen.push(s);
            }
        }
        app.advance(Duration::days(1));
    }
    assert_eq!(
        seen,
        vec![
            "complaintd: the client secret for the mailbox m365 (complaints@example.test on outlook.office365.com) expires in 30 days",
            "complaintd: the client secret for the mailbox m365 (complaints@example.test on outlook.office365.com) expires in 7 days",
            "complaintd: the client secret for the mailbox m365 (complaints@example.test on outlook.office365.com) expires in 1 day",
        ],
        "one warning at each mark, none after"
    );
}
