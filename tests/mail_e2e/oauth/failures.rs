//! When the token side fails or changes: a revoked grant, a broken token
//! endpoint, a rotated refresh token across a restart, certificates and a
//! Google service account with a skewed clock.

use super::*;

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
    // The first section under the "needs action today" heading.
    let first = digest
        .lines()
        .skip_while(|l| {
            l.trim().is_empty() || l.starts_with("Digest") || l.starts_with("NEEDS ACTION TODAY")
        })
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
