//! Signing in with tokens and keeping them fresh: client credentials for
//! IMAP and SMTP, renewal before expiry during a long IDLE, and a session the
//! server ends on expiry.

use super::*;

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
