//! `complaintd check --offline` on the example configs and on broken ones:
//! every problem is reported with file, key and what is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run_check(config: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(config)
        .args(["check", "--offline"])
        .output()
        .expect("run complaintd check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("complaintd.toml")
}

#[test]
fn both_examples_pass() {
    for name in ["provider-a", "provider-b"] {
        let (ok, out) = run_check(&example(name));
        assert!(ok, "{name}: {out}");
        assert!(out.contains("ok: no problems found"), "{out}");
    }
}

/// Copy an example into a temp dir, apply an edit to one file, and check it.
fn broken(file: &str, edit: impl Fn(&str) -> String) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-b");
    for f in ["complaintd.toml", "policy.toml"] {
        let text = std::fs::read_to_string(src.join(f)).expect("read example");
        let text = if f == file { edit(&text) } else { text };
        std::fs::write(dir.path().join(f), text).expect("write");
    }
    let (ok, out) = run_check(&dir.path().join("complaintd.toml"));
    assert!(!ok, "expected failure, got: {out}");
    out
}

#[test]
fn unknown_key_names_file_and_line() {
    let out = broken("complaintd.toml", |t| {
        t.replace("[calendar]", "[calendar]\nnaton = \"scotland\"")
    });
    assert!(out.contains("complaintd.toml: line"), "{out}");
    assert!(out.contains("unknown field `naton`"), "{out}");
}

#[test]
fn bad_span_in_policy_names_the_policy_file() {
    let out = broken("policy.toml", |t| {
        t.replace("\"5 working days\"", "\"a fortnight\"")
    });
    assert!(out.contains("policy.toml: line"), "{out}");
    assert!(
        out.contains("cannot read \"a fortnight\" as a time span"),
        "{out}"
    );
}

#[test]
fn role_without_staff_is_reported_with_its_key() {
    let out = broken("policy.toml", |t| {
        t.replacen(
            "handler = \"senior_manager\"",
            "handler = \"chief_listener\"",
            1,
        )
    });
    assert!(
        out.contains("stage[2].handler: role \"chief_listener\" has nobody in it"),
        "{out}"
    );
}

#[test]
fn semantic_config_errors_are_all_reported() {
    let out = broken("complaintd.toml", |t| {
        t.replace("close = \"17:30\"", "close = \"08:00\"")
            .replace(
                "reply_address = \"complaints@provider-b.example.test\"",
                "reply_address = \"elsewhere@other.example.test\"",
            )
            .replace(
                "email = \"mark.bell@provider-b.example.test\"",
                "email = \"mark.bell\"",
            )
    });
    assert!(
        out.contains("calendar.close: must be later than calendar.open"),
        "{out}"
    );
    assert!(
        out.contains("organisation.reply_address: must be one of organisation.addresses"),
        "{out}"
    );
    assert!(
        out.contains("staff[4].email: \"mark.bell\" is not an email address"),
        "{out}"
    );
    assert!(out.contains("3 problem(s) found"), "{out}");
}

#[test]
fn flood_limits_are_checked() {
    let out = broken("complaintd.toml", |t| {
        t.replace("staff_per_case_per_hour = 5", "staff_per_case_per_hour = 0")
            .replace(
                "auto_per_domain_per_day = 60",
                "auto_per_domain_per_day = 3",
            )
            .replace(
                "auto_per_day = 20",
                "auto_per_day = 20\nconsumer_domains = [\"jo@gmail.com\"]",
            )
    });
    assert!(
        out.contains("limits.staff_per_case_per_hour: staff_per_case_per_hour must be at least 1 and staff_per_case_per_day at least staff_per_case_per_hour"),
        "{out}"
    );
    assert!(
        out.contains("limits.auto_per_domain_per_hour: auto_per_domain_per_hour must be at least 1 and auto_per_domain_per_day at least auto_per_domain_per_hour"),
        "{out}"
    );
    assert!(
        out.contains("limits.consumer_domains[0]: \"jo@gmail.com\" is not a domain"),
        "{out}"
    );
}

#[test]
fn policy_consistency_errors() {
    let out = broken("policy.toml", |t| {
        t.replace("reference_prefix = \"PAR\"", "reference_prefix = \"par-x\"")
            .replacen("id = \"stage2\"", "id = \"stage1\"", 1)
    });
    assert!(out.contains("procedure.reference_prefix"), "{out}");
    assert!(
        out.contains("stage[1].id: stage id \"stage1\" is used twice"),
        "{out}"
    );
}

#[test]
fn a_broken_template_override_is_reported_with_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-a");
    std::fs::copy(src.join("policy.toml"), dir.path().join("policy.toml")).expect("copy");
    let cfg = std::fs::read_to_string(src.join("complaintd.toml")).expect("read");
    std::fs::write(
        dir.path().join("complaintd.toml"),
        format!("{cfg}\n[templates]\ndir = \"mine\"\n"),
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("mine")).expect("mkdir");
    std::fs::write(
        dir.path().join("mine/delay_notice.hbs"),
        "Subject: [{{case.reference}}] New date\n\nDear {{complainant.nmae}},\n",
    )
    .expect("write");
    let (ok, out) = run_check(&dir.path().join("complaintd.toml"));
    assert!(!ok);
    assert!(
        out.contains("delay_notice.hbs: template delay_notice"),
        "{out}"
    );
    assert!(out.contains("nmae"), "{out}");
}

#[test]
fn missing_file_is_a_clear_error() {
    let (ok, out) = run_check(Path::new("/nonexistent/complaintd.toml"));
    assert!(!ok);
    assert!(
        out.contains("/nonexistent/complaintd.toml: (file): cannot read"),
        "{out}"
    );
}

#[test]
fn mailbox_needs_exactly_one_source_and_mail_a_way_out() {
    let out = broken("complaintd.toml", |t| {
        t.replace("maildir = \"mail/info\"", "")
            .replace("maildir = \"mail/outgoing\"", "")
    });
    assert!(
        out.contains("mailbox[1]: give exactly one of maildir"),
        "{out}"
    );
    assert!(
        out.contains("outbox: mailboxes are read but no mail can leave"),
        "{out}"
    );
}

#[test]
fn oauth2_settings_are_checked_for_their_grant() {
    let out = broken("complaintd.toml", |t| {
        t.replace(
            "maildir = \"mail/info\"",
            "[mailbox.imap]\nhost = \"outlook.office365.com\"\nusername = \"info@example.test\"\n\
             [mailbox.imap.oauth2]\ngrant = \"client_credentials\"\n\
             client_secret_file = \"m365-secret\"\ncertificate_file = \"app.crt\"\n\
             secret_expires = \"2027-02-30\"\n",
        )
    });
    // An impossible date is a TOML error with its line; fix it and look again.
    assert!(out.contains("is not a date YYYY-MM-DD"), "{out}");
    let out = broken("complaintd.toml", |t| {
        t.replace(
            "maildir = \"mail/info\"",
            "[mailbox.imap]\nhost = \"outlook.office365.com\"\nusername = \"info@example.test\"\n\
             [mailbox.imap.oauth2]\ngrant = \"client_credentials\"\n\
             client_secret_file = \"m365-secret\"\ncertificate_file = \"app.crt\"\n\
             secret_expires = 2027-02-28\n",
        )
    });
    for expected in [
        "mailbox[1].imap.oauth2.tenant: give the tenant id (or token_url)",
        "mailbox[1].imap.oauth2.client_id: missing",
        "mailbox[1].imap.oauth2.client_secret_file: give a client secret or a certificate, not both",
        "cannot read client secret file",
        "alerts.operators: nobody is emailed when a mailbox cannot sign in",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
    let out = broken("complaintd.toml", |t| {
        t.replace(
            "maildir = \"mail/info\"",
            "[mailbox.imap]\nhost = \"imap.gmail.com\"\nusername = \"info@example.test\"\n\
             [mailbox.imap.oauth2]\ngrant = \"google_service_account\"\n",
        )
        .replace(
            "[outbox]",
            "[alerts]\noperators = [\"not an address\"]\n\n[outbox]",
        )
    });
    assert!(
        out.contains("mailbox[1].imap.oauth2.service_account_file: missing"),
        "{out}"
    );
    assert!(
        out.contains("alerts.operators[0]: \"not an address\" is not an email address"),
        "{out}"
    );
}

#[test]
fn offline_check_rejects_a_secret_the_daemon_would_refuse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-b");
    let secret = dir.path().join("short-secret");
    std::fs::write(&secret, "too-short-16byte\n").expect("write secret");
    let text = std::fs::read_to_string(src.join("complaintd.toml"))
        .expect("read example")
        .replace(
            "secret_file = \"/run/credentials/complaintd.service/secret\"",
            &format!("secret_file = \"{}\"", secret.display()),
        );
    std::fs::write(dir.path().join("complaintd.toml"), text).expect("write");
    std::fs::copy(src.join("policy.toml"), dir.path().join("policy.toml")).expect("copy");
    let (ok, out) = run_check(&dir.path().join("complaintd.toml"));
    assert!(!ok, "a 16-byte secret must not pass: {out}");
    assert!(
        out.contains("the secret is 16 bytes; use at least 32 random bytes"),
        "{out}"
    );
    // A long enough secret passes offline.
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").expect("write secret");
    let (ok, out) = run_check(&dir.path().join("complaintd.toml"));
    assert!(ok, "{out}");
}

#[test]
fn a_zero_token_lifetime_is_refused() {
    let out = broken("complaintd.toml", |t| {
        t.replace("[security]", "[security]\ntoken_lifetime_days = 0")
    });
    assert!(out.contains("security.token_lifetime_days"), "{out}");
}

#[test]
fn triage_keys_are_checked() {
    let out = broken("policy.toml", |t| {
        t.replace(
            "confirm_within = \"1 working day\"",
            "confirm_within = \"0 hours\"",
        )
    });
    assert!(
        out.contains("triage.confirm_within: must give the handler some time"),
        "{out}"
    );
    let out = broken("policy.toml", |t| {
        t.replace(
            "confirm_within = \"1 working day\"",
            "confirm_within = \"soon\"",
        )
    });
    assert!(out.contains("cannot read \"soon\" as a time span"), "{out}");
    let out = broken("policy.toml", |t| {
        t.replace("[triage]\nenabled = true", "[triage]\nenable = true")
    });
    assert!(out.contains("unknown field `enable`"), "{out}");
}

#[test]
fn replies_keys_are_checked() {
    let out = broken("policy.toml", |t| {
        t.replace(
            "decide_unclear_within = \"3 working days\"",
            "decide_unclear_within = \"0 hours\"",
        )
    });
    assert!(
        out.contains("replies.decide_unclear_within: must give the handler some time"),
        "{out}"
    );
    let out = broken("policy.toml", |t| {
        t.replace("[replies]", "[replies]\nescalate_on_anything = true")
    });
    assert!(out.contains("escalate_on_anything"), "{out}");
}

#[test]
fn a_configured_language_without_templates_is_reported_template_by_template() {
    // No Irish templates are built in and the organisation gave none: every
    // complainant-facing one is named, staff mail is not needed in Irish.
    let out = broken("complaintd.toml", |t| {
        t.replace(
            "[organisation]\n",
            "[organisation]\nlanguages = [\"ga\", \"en\"]\n",
        )
    });
    let missing: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("missing: a complainant may be written to in \"ga\""))
        .collect();
    assert_eq!(missing.len(), 18, "{out}");
    for name in [
        "acknowledgement",
        "stage_response",
        "delay_notice",
        "closure_notice",
    ] {
        assert!(
            missing
                .iter()
                .any(|l| l.contains(&format!("template {name}"))),
            "{name} not reported:\n{out}"
        );
    }
    assert!(!out.contains("handler_notification"), "{out}");
}

#[test]
fn language_codes_are_checked() {
    let out = broken("complaintd.toml", |t| {
        t.replace(
            "[organisation]\n",
            "[organisation]\nlanguages = [\"cy\", \"Welsh\", \"cy\"]\n",
        )
    });
    assert!(out.contains("organisation.languages[1]"), "{out}");
    assert!(out.contains("not an ISO 639-1 language code"), "{out}");
    assert!(out.contains("organisation.languages[2]"), "{out}");
    assert!(out.contains("listed twice"), "{out}");
}

#[test]
fn the_observe_listener_is_refused_off_loopback_unless_allowed() {
    let out = broken("complaintd.toml", |t| {
        format!("{t}\n[observe]\nlisten = \"0.0.0.0:9464\"\n")
    });
    assert!(out.contains("observe.listen"), "{out}");
    assert!(out.contains("not a loopback address"), "{out}");

    let out = broken("complaintd.toml", |t| {
        format!("{t}\n[observe]\nlisten = \"localhost:9464\"\n")
    });
    // An address, not a host name: resolving one could pick a public one.
    assert!(out.contains("invalid socket address"), "{out}");

    // Allowed explicitly, it passes; loopback passes as is.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-b");
    std::fs::copy(src.join("policy.toml"), dir.path().join("policy.toml")).expect("copy");
    let base = std::fs::read_to_string(src.join("complaintd.toml")).expect("read");
    for extra in [
        "[observe]\nlisten = \"0.0.0.0:9464\"\nallow_non_loopback = true\n",
        "[observe]\nlisten = \"[::1]:9464\"\n",
    ] {
        std::fs::write(
            dir.path().join("complaintd.toml"),
            format!("{base}\n{extra}"),
        )
        .expect("write");
        let (ok, out) = run_check(&dir.path().join("complaintd.toml"));
        assert!(ok, "{extra}: {out}");
    }
}
