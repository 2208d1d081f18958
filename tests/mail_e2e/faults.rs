//! A misbehaving server: a proxy between complaintd and the real Dovecot that
//! drops the connection mid-FETCH, answers garbage, stalls, or hides IDLE;
//! and a wrong password on one of two mailboxes. Each time: a clear log line,
//! a health entry, the daemon keeps running, nothing lost or ingested twice.

use crate::stack::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    DropMidFetch,
    Garbage,
    Stall,
    NoIdle,
    /// End every session after this long the way Exchange does when its
    /// token expires: `* BYE Session invalidated - AccessTokenExpired`.
    ByeAfter(Duration),
}

/// Start the proxy; the fault fires once (NoIdle and ByeAfter: on every
/// connection). Returns the port.
pub async fn proxy(upstream: u16, fault: Fault) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                continue;
            };
            let fired = f.clone();
            tokio::spawn(async move {
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let bye_at = match fault {
                    Fault::ByeAfter(d) => Some(tokio::time::Instant::now() + d),
                    _ => None,
                };
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let read = tokio::select! {
                        r = sr.read(&mut buf) => r,
                        _ = tokio::time::sleep_until(bye_at.unwrap_or_else(tokio::time::Instant::now)), if bye_at.is_some() => {
                            let _ = cw
                                .write_all(b"* BYE Session invalidated - AccessTokenExpired\r\n")
                                .await;
                            break;
                        }
                    };
                    let n = match read {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let mut chunk = buf[..n].to_vec();
                    let is_fetch = chunk.windows(7).any(|w| w == b"FETCH (");
                    match fault {
                        Fault::NoIdle => {
                            let text = String::from_utf8_lossy(&chunk).replace(" IDLE", "");
                            chunk = text.into_bytes();
                        }
                        Fault::DropMidFetch if is_fetch && !fired.swap(true, Ordering::SeqCst) => {
                            let _ = cw.write_all(&chunk[..chunk.len() / 2]).await;
                            break;
                        }
                        Fault::Garbage if is_fetch && !fired.swap(true, Ordering::SeqCst) => {
                            let _ = cw
                                .write_all(
                                    b"* 3 FETCH ((((\x00\xff garbage )) BODY[] {99999999}\r\n",
                                )
                                .await;
                            continue;
                        }
                        Fault::Stall if is_fetch && !fired.swap(true, Ordering::SeqCst) => {
                            tokio::time::sleep(Duration::from_secs(8)).await;
                            break;
                        }
                        _ => {}
                    }
                    if cw.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    (port, fired)
}

fn complaint(i: usize, tag: &str) -> Vec<u8> {
    format!(
        "From: Bob {i} <bob+{tag}{i}@example.test>\r\nTo: complaints@example.test\r\nSubject: Fault {tag} {i}\r\nMessage-ID: <fault-{tag}-{i}@example.test>\r\n\r\nI am not happy: my sessions keep being cancelled and I want to know why.\r\n"
    )
    .into_bytes()
}

/// Point the instance's mailbox at the proxy, in plain IMAP with short timeouts.
fn via_proxy(app: &Instance, port: u16) {
    let text = std::fs::read_to_string(&app.config).expect("config");
    let text = text
        .replace("tls = \"starttls\"\nca_file", "tls = \"plain\"\n#ca_file")
        .replacen(
            &format!("port = {}", port_of(&text, "[mailbox.imap]")),
            &format!("port = {port}"),
            1,
        )
        .replace(
            "timeout_seconds = 10\n\n[outbox]",
            "timeout_seconds = 2\n\n[outbox]",
        )
        .replace("poll_seconds = 30", "poll_seconds = 5");
    std::fs::write(&app.config, text).expect("config");
}

fn port_of(text: &str, section: &str) -> u16 {
    let after = &text[text.find(section).expect("section")..];
    after
        .lines()
        .find_map(|l| l.strip_prefix("port = "))
        .and_then(|p| p.trim().parse().ok())
        .expect("port")
}

async fn run_fault(fault: Fault, expect_in_log: &str) {
    let (s, _g) = stack().await;
    purge_all(s);
    let (port, fired) = proxy(s.port("STACK_IMAP_PORT"), fault).await;
    let tag = format!("{fault:?}").to_lowercase();
    for i in 0..5 {
        append(s, "complaints", &complaint(i, &tag)).await;
    }
    let mut app = Instance::new(s, include_str!("../../examples/provider-b/policy.toml"));
    via_proxy(&app, port);
    app.start();
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while app.cases().len() < 5 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "the first five messages did not arrive:\n{}",
        app.log()
    );
    if fault != Fault::NoIdle {
        assert!(fired.load(Ordering::SeqCst), "the fault was injected");
    }
    for i in 5..10 {
        append(s, "complaints", &complaint(i, &tag)).await;
    }
    wait_for(60, "all ten messages", || app.cases().len() >= 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.cases().len(), 10, "nothing ingested twice");
    let log = app.log();
    assert!(
        log.contains(expect_in_log),
        "log lacks {expect_in_log:?}:\n{log}"
    );
    if fault != Fault::NoIdle {
        // The health entry the digest (and `status`) shows.
        let out = app
            .command()
            .args(["digest", "--preview"])
            .output()
            .expect("digest");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("mailbox complaints: last successful fetch"),
            "{text}"
        );
    }
    assert!(
        app.child
            .as_mut()
            .expect("running")
            .try_wait()
            .expect("wait")
            .is_none(),
        "the daemon keeps running"
    );
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_dropped_mid_fetch() {
    run_fault(Fault::DropMidFetch, "mailbox session failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_answers_garbage() {
    run_fault(Fault::Garbage, "mailbox session failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stalls() {
    run_fault(Fault::Stall, "timed out during").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_without_idle_is_polled() {
    run_fault(Fault::NoIdle, "idle=false").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_fails_alone() {
    let (s, _g) = stack().await;
    purge_all(s);
    let app = Instance::new(s, include_str!("../../examples/provider-b/policy.toml"));
    // A second mailbox with a wrong password.
    let text = std::fs::read_to_string(&app.config).expect("config");
    let imap_block =
        &text[text.find("[[mailbox]]").expect("mailbox")..text.find("[outbox]").expect("outbox")];
    let info = imap_block
        .replace("name = \"complaints\"", "name = \"info\"")
        .replace(
            "username = \"complaints@example.test\"",
            "username = \"info@example.test\"",
        )
        .replace(
            "password_env = \"TEST_MAIL_PASSWORD\"",
            "password_env = \"WRONG_PASSWORD\"",
        );
    let text = text.replace("[outbox]", &format!("{info}[outbox]"));
    std::fs::write(&app.config, text).expect("config");
    let mut app = app;
    app.start_with_env(&[("WRONG_PASSWORD", "not-the-password")]);
    smtp_send(
        s,
        "bob@example.test",
        &["complaints@example.test"],
        &complaint(1, "pw"),
    )
    .await;
    wait_for(30, "the good mailbox to keep working", || {
        app.cases().len() == 1
    })
    .await;
    wait_for(30, "the login failure to be logged", || {
        app.log().contains("login refused for info@example.test")
    })
    .await;
    let log = app.log();
    assert!(
        !log.contains("not-the-password"),
        "a password reached the log"
    );
    let out = app
        .command()
        .args(["digest", "--preview"])
        .output()
        .expect("digest");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("mailbox info: last successful fetch never; LAST ERROR"),
        "{text}"
    );
    let out = app
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
    assert_eq!(out.status.code(), Some(1));
    let info = v["mailboxes"]
        .as_array()
        .and_then(|m| m.iter().find(|x| x["name"] == "info"))
        .expect("info");
    assert_eq!(info["failing"], true);
    assert!(
        info["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("AUTHENTICATIONFAILED")),
        "{v}"
    );
    let complaints = v["mailboxes"]
        .as_array()
        .and_then(|m| m.iter().find(|x| x["name"] == "complaints"))
        .expect("complaints");
    assert_eq!(complaints["failing"], false);
    app.stop();
}

/// A proxy in front of an SMTP server that, while `silent` is set, accepts
/// connections and never answers (a server that hangs before its greeting);
/// otherwise it passes everything through. Counts the connections it accepted.
pub struct SilentProxy {
    pub port: u16,
    pub silent: Arc<AtomicBool>,
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
}

pub async fn silent_proxy(upstream: u16) -> SilentProxy {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let silent = Arc::new(AtomicBool::new(true));
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (s, a) = (silent.clone(), accepted.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            a.fetch_add(1, Ordering::SeqCst);
            let stall = s.load(Ordering::SeqCst);
            tokio::spawn(async move {
                if stall {
                    // Hold the line open, say nothing, until the client gives up.
                    let mut buf = [0u8; 1024];
                    while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {}
                    return;
                }
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    SilentProxy {
        port,
        silent,
        accepted,
    }
}
