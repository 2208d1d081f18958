//! The scale benchmark's body, shared by `benches/scale/main.rs` (100k and
//! 1M cases) and the test suite (2k cases, so it cannot rot).
//!
//! It builds a database of `n` cases directly through the store's own
//! functions (no mail is sent), with a realistic spread of kinds, states,
//! stages, deadlines, chase points, audit and outbox rows over three years,
//! then runs the real binary twice: `digest --preview` on it, and the first
//! `tick` of the day (which builds and queues the digest) on a copy. For
//! each it measures wall time and the child's peak RSS (`wait4` rusage), and
//! asserts that the work was done: the preview's sections and counts match
//! what was generated, and the tick queued a digest.

// The test uses only part of what the benchmark prints.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use complaintd::core::case::{
    Actor, Audit, Case, ConsentStatus, Deadline, DeadlineKind, Party, State,
};
use complaintd::core::kind::{Flag, Kind};
use complaintd::core::reference::CaseRef;
use complaintd::store::{NewOutbox, Store};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The benchmark's "now": Tuesday 24 November 2026, 08:05 in London (GMT),
/// five minutes after the digest's configured 08:00, before the office opens.
pub const NOW: &str = "2026-11-24T08:05:00Z";

/// Bump when the generated data changes, so cached databases are rebuilt.
const GENERATOR_VERSION: u32 = 4;

/// Cases are opened over this many days before `NOW`.
const SPAN_DAYS: i64 = 3 * 365;

/// The stage names of `examples/provider-b/policy.toml`, by index.
const STAGES: [&str; 2] = ["Stage 1", "Stage 2"];

/// What the generated database should make the digest say.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Expected {
    /// Cases generated.
    pub cases: usize,
    /// "New in the last 24 hours", non-machine cases by kind.
    pub new_by_kind: BTreeMap<String, usize>,
    /// "Open complaints by stage", by stage name.
    pub open_by_stage: BTreeMap<String, usize>,
    /// Deadlines someone must act on that are breached or due.
    pub breached: usize,
    /// Cases awaiting consent, a decision, a late escalation or lessons.
    pub waiting: usize,
    /// Complaints closed in the last 24 hours.
    pub closed: usize,
    /// Closed in the last 24 hours with permission to share.
    pub share: usize,
    /// Cases in triage.
    pub triage: usize,
    /// Cases (not machine mail) received in the report's year, local days.
    #[serde(default)]
    pub report_received: usize,
}

/// The year `complaintd report` is measured on (local days, both included).
pub const REPORT_FROM: &str = "2025-04-01";
/// The last day of that year.
pub const REPORT_TO: &str = "2026-03-31";

/// One measured run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Wall time in seconds.
    pub seconds: f64,
    /// Peak resident set of the process, in MiB.
    pub peak_mib: f64,
    /// What it printed.
    pub stdout: String,
}

/// The figures for one database size.
#[derive(Debug)]
pub struct Figures {
    /// Cases.
    pub cases: usize,
    /// Seconds spent building the database (0 when it came from the cache).
    pub build_seconds: f64,
    /// Database bytes.
    pub db_bytes: u64,
    /// `digest --preview`.
    pub preview: Run,
    /// The first `tick` of the day with the survey step off: the digest
    /// and the scheduler.
    pub tick: Run,
    /// The first `tick` of the day as configured, surveying the complaints
    /// closed since yesterday's step too.
    pub tick_surveys: Run,
    /// How many surveys that tick queued.
    pub surveys: usize,
    /// Bytes of the queued digest mail.
    pub digest_bytes: usize,
    /// `report` for a year, as HTML with its charts.
    pub report: Run,
}

/// The lesson recorded on every other closed complaint.
const LESSON: &str = "Tell learners about timetable changes a week ahead";

/// A deterministic 64-bit mix of `x` (splitmix64), so the same `n` always
/// gives the same database.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Pick from `(weight, value)` pairs with `r` in 0..sum of weights.
fn pick<T: Copy>(r: u64, table: &[(u64, T)]) -> T {
    let total: u64 = table.iter().map(|(w, _)| w).sum();
    let mut r = r % total;
    for &(w, v) in table {
        if r < w {
            return v;
        }
        r -= w;
    }
    table[table.len() - 1].1
}

/// The config file for a database at `db` (the example Provider B, with a
/// Maildir outbox so `tick` needs no SMTP server).
pub fn write_config(dir: &Path, db: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-b");
    std::fs::copy(src.join("policy.toml"), dir.join("policy.toml")).expect("copy policy");
    let cfg = std::fs::read_to_string(src.join("complaintd.toml")).expect("read config");
    let head = cfg.split("\n[store]").next().expect("config text");
    let head = head.replace(
        "secret_file = \"/run/credentials/complaintd.service/secret\"",
        "secret_file = \"secret\"",
    );
    let secret = dir.join("secret");
    std::fs::write(&secret, "scale-bench-secret-0123456789abcdef0123456789").expect("secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
            .expect("secret mode");
    }
    let path = dir.join("complaintd.toml");
    std::fs::write(
        &path,
        format!(
            "{head}\n[store]\npath = {:?}\n\n[outbox]\nmaildir = \"outgoing\"\n",
            db.display().to_string()
        ),
    )
    .expect("write config");
    path
}

/// The cache key: the schema (every migration's text) and the generator.
fn schema_key(n: usize) -> String {
    let mut h = Sha256::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations")
        .map(|e| e.expect("migration entry").path())
        .collect();
    files.sort();
    for f in files {
        h.update(f.file_name().expect("name").as_encoded_bytes());
        h.update(std::fs::read(&f).expect("read migration"));
    }
    h.update(GENERATOR_VERSION.to_le_bytes());
    h.update((n as u64).to_le_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex[..16].to_string()
}

/// The database of `n` cases: from `cache_dir` if built before with the same
/// schema and generator, else built there now. Returns its path, what the
/// digest should say, and the seconds spent building (0 from the cache).
pub async fn database(n: usize, cache_dir: &Path) -> (PathBuf, Expected, f64) {
    std::fs::create_dir_all(cache_dir).expect("cache dir");
    let key = schema_key(n);
    let db = cache_dir.join(format!("cases-{n}-{key}.sqlite"));
    let facts = cache_dir.join(format!("cases-{n}-{key}.json"));
    if db.exists() && facts.exists() {
        let expected = serde_json::from_slice(&std::fs::read(&facts).expect("read facts"))
            .expect("cached facts");
        return (db, expected, 0.0);
    }
    let partial = cache_dir.join(format!("cases-{n}-{key}.partial"));
    for p in [
        partial.clone(),
        partial.with_extension("partial-wal"),
        partial.with_extension("partial-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
    let started = Instant::now();
    let expected = populate(&partial, n).await;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(&facts, serde_json::to_vec(&expected).expect("facts json")).expect("facts");
    std::fs::rename(&partial, &db).expect("cache the database");
    (db, expected, seconds)
}

/// Build the database at `path` through the store's own functions.
pub async fn populate(path: &Path, n: usize) -> Expected {
    let store = Store::open(path).await.expect("open store");
    let now: DateTime<Utc> = NOW.parse().expect("now");
    let since = now - Duration::hours(24);
    let mut ex = Expected {
        cases: n,
        ..Expected::default()
    };
    let bar = complaintd::cli::progress::bar(n as u64, "building cases", "cases");
    const CHUNK: usize = 5_000;
    let mut i = 0;
    while i < n {
        let end = (i + CHUNK).min(n);
        let mut tx = store.begin().await.expect("begin");
        let mut sent_ids = Vec::with_capacity((end - i) * 2);
        for k in i..end {
            let (mut c, chases, audits) = make_case(&mut tx, k, n, now).await;
            let met = performance_records(&mut c, k);
            tally(&mut ex, &c, now, since);
            Store::save_case(&mut tx, &c, c.closed_at.unwrap_or(c.opened_at))
                .await
                .expect("save case");
            for d in &c.deadlines {
                Store::set_deadline(&mut tx, &c.reference, d)
                    .await
                    .expect("deadline");
            }
            for (d, at) in &met {
                Store::record_met(&mut tx, &c.reference, d, *at)
                    .await
                    .expect("met deadline");
            }
            for (kind, at, done) in &chases {
                Store::set_chases(&mut tx, &c.reference, *kind, &at[..])
                    .await
                    .expect("chases");
                for (t, d) in at.iter().zip(done) {
                    if *d {
                        Store::chase_done(&mut tx, &c.reference, *kind, *t)
                            .await
                            .expect("chase done");
                    }
                }
            }
            Store::append_audits(&mut tx, Some(&c.reference), c.opened_at, &audits)
                .await
                .expect("audit");
            for (m, (template, to)) in [
                ("acknowledgement", c.complainant.address.clone()),
                (
                    "handler_notification",
                    "priya.desai@provider-b.example.test".to_string(),
                ),
            ]
            .into_iter()
            .enumerate()
            {
                let message_id = format!("<{}.{m}@bench.test>", c.reference);
                let raw = format!(
                    "From: Northern Apprenticeships <complaints@provider-b.example.test>\r\n\
                     To: {to}\r\nSubject: [{r}] {template}\r\nMessage-ID: {message_id}\r\n\
                     Date: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                     Thank you for writing to us. Your reference is {r}. We will reply within five \
                     working days, and sooner if we can.\r\n",
                    r = c.reference,
                    date = c.opened_at.to_rfc2822()
                );
                let id = Store::enqueue(
                    &mut tx,
                    &NewOutbox {
                        case_ref: Some(&c.reference),
                        message_id: &message_id,
                        template,
                        recipient: &to,
                        automatic: m == 0,
                        raw: &complaintd::store::StoredBytes::of(raw.as_bytes()),
                        created_at: c.opened_at,
                    },
                )
                .await
                .expect("enqueue");
                sent_ids.push((id, c.opened_at + Duration::seconds(3)));
            }
        }
        tx.commit().await.expect("commit");
        for (id, at) in sent_ids {
            store.outbox_sent(id, at).await.expect("sent");
        }
        bar.set_position(end as u64);
        i = end;
    }
    bar.finish_and_clear();
    store.sync().await.expect("checkpoint");
    store.close().await;
    ex
}

type Chases = Vec<(DeadlineKind, Vec<DateTime<Utc>>, Vec<bool>)>;

/// Case number `k` of `n`, opened at a time spread evenly over the span
/// (oldest first, so numbers rise with time as they do in life).
async fn make_case(
    tx: &mut complaintd::store::Tx,
    k: usize,
    n: usize,
    now: DateTime<Utc>,
) -> (Case, Chases, Vec<Audit>) {
    let r = mix(k as u64);
    let back = SPAN_DAYS * 86_400 * (n - k) as i64 / n as i64;
    let opened_at = now - Duration::seconds(back) + Duration::seconds((r % 600) as i64);
    let opened_at = opened_at.min(now - Duration::minutes(1));
    let age = now - opened_at;
    let recent = age < Duration::days(45);
    let year = {
        use chrono::Datelike;
        opened_at.year()
    };
    let number = Store::next_case_number(tx, "PAR", year)
        .await
        .expect("case number");
    let reference = CaseRef::new("PAR", year, number);
    let kind = pick(
        r >> 8,
        &[
            (70, Kind::Complaint),
            (15, Kind::Compliment),
            (10, Kind::Comment),
            (3, Kind::Other),
            (1, Kind::AutoReply),
            (1, Kind::Bounce),
        ],
    );
    let state = match kind {
        Kind::Complaint if recent => pick(
            r >> 16,
            &[
                (35, State::Open),
                (4, State::Triage),
                (4, State::AwaitingConsent),
                (4, State::AwaitingDecision),
                (20, State::Responded),
                (2, State::LateEscalation),
                (6, State::PendingLessons),
                (25, State::Closed),
            ],
        ),
        // About 1 in 100 old complaints is stuck open.
        Kind::Complaint => pick(
            r >> 16,
            &[
                (4, State::Open),
                (3, State::Responded),
                (3, State::PendingLessons),
                (880, State::Closed),
                (50, State::Withdrawn),
                (30, State::Redirected),
                (30, State::ReferredExternally),
            ],
        ),
        Kind::Compliment if recent => pick(
            r >> 16,
            &[(30, State::AwaitingPermission), (70, State::Closed)],
        ),
        Kind::Comment | Kind::Other if recent => {
            pick(r >> 16, &[(30, State::Open), (70, State::Closed)])
        }
        _ => State::Closed,
    };
    let stage = if kind == Kind::Complaint && (r >> 24) % 10 < 2 {
        1
    } else {
        0
    };
    // Closed 2 hours to 30 days after opening; a case too young for that
    // closed at a random point of its life so far, so closures spread over
    // the days as openings do.
    let closed_at = state.is_final().then(|| {
        let after = Duration::hours(2 + ((r >> 28) % (24 * 30)) as i64);
        if opened_at + after < now {
            opened_at + after
        } else {
            opened_at + age * ((r >> 50) % 100) as i32 / 100
        }
    });
    let mut flags = BTreeSet::new();
    if kind == Kind::Complaint && (r >> 36) % 100 < 3 {
        flags.insert(Flag::Safeguarding);
    }
    if kind == Kind::Complaint && (r >> 36) % 100 >= 95 {
        flags.insert(Flag::OnBehalf);
    }
    let handled = now - Duration::minutes(10);
    let mut deadlines = Vec::new();
    let mut chases: Chases = Vec::new();
    let mut deadline = |kind: DeadlineKind, days: i64| {
        let due = opened_at + Duration::days(days);
        deadlines.push(Deadline {
            kind,
            stage,
            start: opened_at,
            due,
            breached: due < handled,
        });
        due
    };
    match state {
        State::Open | State::AwaitingConsent | State::LateEscalation => {
            let due = deadline(DeadlineKind::Respond, 7);
            if age < Duration::hours(8) {
                deadline(DeadlineKind::Acknowledge, 0);
            }
            let at = vec![due - Duration::days(2), due - Duration::hours(4)];
            let done = at.iter().map(|t| *t < handled).collect();
            chases.push((DeadlineKind::Respond, at, done));
        }
        State::Triage => {
            deadline(DeadlineKind::ConfirmKind, 1);
        }
        State::AwaitingDecision => {
            deadline(DeadlineKind::Decision, 10);
        }
        State::Responded => {
            deadline(DeadlineKind::EscalationWindow, 20);
        }
        State::AwaitingPermission => {
            deadline(DeadlineKind::Permission, 10);
        }
        _ => {}
    }
    if state.is_final() && kind == Kind::Complaint {
        // The chase points a closed complaint had, long since done.
        let due = opened_at + Duration::days(7);
        let at = vec![due - Duration::days(2), due - Duration::hours(4)];
        chases.push((DeadlineKind::Respond, at, vec![true, true]));
    }
    let address = format!("learner{k}@mail{}.test", k % 997);
    let c = Case {
        reference,
        kind,
        flags,
        state,
        stage,
        complainant: Party {
            address: address.clone(),
            name: Some(format!("Learner {k}")),
        },
        handler: Some("priya.desai@provider-b.example.test".into()),
        excluded_handlers: Vec::new(),
        opened_at,
        stage_received_at: opened_at,
        acknowledged_at: Some(opened_at + Duration::seconds(1)),
        responded_at: matches!(state, State::Responded | State::PendingLessons)
            .then(|| opened_at + Duration::days(4)),
        deadlines,
        consent: if state == State::AwaitingConsent {
            ConsentStatus::Awaiting
        } else {
            ConsentStatus::NotNeeded
        },
        lessons: (state == State::Closed && kind == Kind::Complaint && r.is_multiple_of(2))
            .then(|| LESSON.to_string()),
        share_permission: (kind == Kind::Compliment && state == State::Closed)
            .then_some((r >> 44).is_multiple_of(3)),
        resume_state: None,
        last_inbound_id: Some(format!("<in-{k}@mail.test>")),
        closed_at,
        contacts: Vec::new(),
        consent_asked: Vec::new(),
        escalation_undecided: false,
        linked: Vec::new(),
        drafts: Vec::new(),
        drafts_made: 0,
        paused: None,
        language: None,
        hold: None,
        anonymised_at: None,
        data_protection: false,
        survey: survey(kind, state, closed_at, now, r),
        no_survey: false,
        records: Default::default(),
    };
    let mut audits = vec![
        Audit {
            actor: Actor::Complainant,
            action: "received".into(),
            detail: format!("{kind} by email"),
            message_id: Some(format!("<in-{k}@mail.test>")),
        },
        Audit {
            actor: Actor::System,
            action: "opened".into(),
            detail: format!("stage {}", stage + 1),
            message_id: None,
        },
        Audit {
            actor: Actor::System,
            action: "acknowledged".into(),
            detail: address,
            message_id: None,
        },
    ];
    if state.is_final() {
        audits.push(Audit {
            actor: Actor::Staff("priya.desai@provider-b.example.test".into()),
            action: "closed".into(),
            detail: state.as_str().into(),
            message_id: None,
        });
    }
    (c, chases, audits)
}

/// The satisfaction survey a running system sent a closed complaint: every
/// one closed before the window of yesterday's daily step has had it (a
/// third of them answered), so the first tick of the day surveys only the
/// complaints closed since, as it would in life.
fn survey(
    kind: Kind,
    state: State,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    r: u64,
) -> Option<complaintd::core::survey::Survey> {
    use complaintd::core::survey::{Answer, Survey};
    let closed_at = closed_at?;
    // Yesterday's (Monday's) step surveyed those closed a working day
    // before it: by the previous Friday at this time.
    if kind != Kind::Complaint || state != State::Closed || closed_at >= now - Duration::days(4) {
        return None;
    }
    let sent_at = closed_at + Duration::days(1);
    let answered = (r >> 52).is_multiple_of(3);
    let score = 1 + ((r >> 40) % 5) as u8;
    Some(Survey {
        sent_at,
        answered_at: answered.then(|| sent_at + Duration::hours(30)),
        answer: answered.then_some(Answer {
            score: Some(score),
            satisfied: (score != 3).then_some(score > 3),
            comment: None,
        }),
    })
}

/// Count what the digest should report about `c`.
/// What the performance report reads of a case: its acknowledgement and,
/// once it was answered, its response as deadlines met (one in ten late),
/// and the outcome that went with the response.
fn performance_records(c: &mut Case, k: usize) -> Vec<(Deadline, DateTime<Utc>)> {
    use complaintd::core::case::records::{Outcome, StageOutcome};
    let mut met = Vec::new();
    if c.kind != Kind::Complaint {
        return met;
    }
    let r = mix(k as u64 ^ 0x5eed);
    let d = |kind, start: DateTime<Utc>, due: DateTime<Utc>| Deadline {
        kind,
        stage: c.stage,
        start,
        due,
        breached: false,
    };
    met.push((
        d(DeadlineKind::Acknowledge, c.opened_at, c.opened_at),
        c.opened_at + Duration::seconds(1),
    ));
    let answered = c
        .responded_at
        .or(c.closed_at.filter(|_| c.state == State::Closed));
    if let Some(at) = answered {
        let due = c.opened_at + Duration::days(7);
        let at = if r.is_multiple_of(10) {
            due + Duration::days(2)
        } else {
            at.min(due)
        };
        met.push((d(DeadlineKind::Respond, c.opened_at, due), at));
        c.records.outcomes.push(StageOutcome {
            stage: c.stage,
            outcome: pick(
                r >> 8,
                &[
                    (30, Outcome::Upheld),
                    (25, Outcome::PartlyUpheld),
                    (40, Outcome::NotUpheld),
                    (5, Outcome::Resolved),
                ],
            ),
            reasons: "the records were checked".into(),
            by: "priya.desai@provider-b.example.test".into(),
            at,
            sent_at: Some(at),
        });
    }
    met
}

fn tally(ex: &mut Expected, c: &Case, now: DateTime<Utc>, since: DateTime<Utc>) {
    let local = c
        .opened_at
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
        .to_string();
    if !c.kind.is_machine() && local.as_str() >= REPORT_FROM && local.as_str() <= REPORT_TO {
        ex.report_received += 1;
    }
    if c.opened_at >= since && !c.kind.is_machine() {
        *ex.new_by_kind
            .entry(c.kind.as_str().to_string())
            .or_default() += 1;
    }
    if c.kind == Kind::Complaint && !c.state.is_final() {
        *ex.open_by_stage
            .entry(STAGES[c.stage].to_string())
            .or_default() += 1;
    }
    ex.breached += c
        .deadlines
        .iter()
        .filter(|d| d.kind.someone_must_act() && (d.breached || d.due <= now))
        .count();
    if c.state.awaits_someone() {
        ex.waiting += 1;
    }
    let closed_today = c.closed_at.is_some_and(|t| t >= since);
    if closed_today && c.kind == Kind::Complaint {
        ex.closed += 1;
    }
    if closed_today && c.share_permission == Some(true) {
        ex.share += 1;
    }
    if c.state == State::Triage {
        ex.triage += 1;
    }
}

/// Run the binary with `args` and measure it: wall time, and the peak RSS
/// the kernel recorded for that one child (`wait4`).
pub fn measure(args: &[&str]) -> Run {
    let bin = env!("CARGO_BIN_EXE_complaintd");
    let out = tempfile::NamedTempFile::new().expect("stdout file");
    let started = Instant::now();
    // Reaped below by `wait4`, which also gives its rusage (`Child::wait`
    // would not).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .args(args)
        .stdout(out.reopen().expect("stdout"))
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("run complaintd");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data the kernel fills in; `pid` is our child,
    // not yet reaped (std's Child does not reap on its own).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(got, pid, "wait4 on complaintd");
    let stdout = std::fs::read_to_string(out.path()).expect("read stdout");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "complaintd {args:?} failed ({status}): {stdout}"
    );
    Run {
        seconds,
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    }
}

/// The lines of a section of the preview text, `and N more` left as is.
fn section<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| *l != title);
    assert!(
        lines.next().is_some(),
        "the digest has no section {title:?}:\n{}",
        &text[..text.len().min(4000)]
    );
    lines
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim_start().trim_start_matches("- "))
        .filter(|l| *l != "none")
        .collect()
}

/// How many items a capped list stands for: the lines shown (those that
/// start with `prefix`) and the `and N more` after them.
fn items(lines: &[&str], prefix: &str) -> usize {
    let shown = lines.iter().filter(|l| l.starts_with(prefix)).count();
    let more: usize = lines
        .iter()
        .filter_map(|l| {
            l.trim_start()
                .strip_prefix("and ")
                .and_then(|r| r.strip_suffix(" more"))
                .and_then(|n| n.parse::<usize>().ok())
        })
        .sum();
    shown + more
}

/// Assert the preview says what the generated data makes true.
pub fn check_preview(text: &str, ex: &Expected) {
    let new = section(text, "New in the last 24 hours");
    for (kind, n) in &ex.new_by_kind {
        let head = format!("{kind}: {n}");
        assert!(
            new.contains(&head.as_str()),
            "new: expected {head:?} in {new:?}"
        );
    }
    let open = section(text, "Open complaints by stage");
    for (stage, n) in &ex.open_by_stage {
        let line = format!("{stage}: {n}");
        assert!(
            open.contains(&line.as_str()),
            "open: expected {line:?} in {open:?}"
        );
    }
    let breached = section(text, "Breached");
    assert_eq!(items(&breached, "PAR-"), ex.breached, "breached");
    let waiting = section(text, "Awaiting consent, a decision or lessons learnt");
    assert_eq!(items(&waiting, "PAR-"), ex.waiting, "waiting");
    let closed = section(text, "Closed in the last 24 hours");
    assert_eq!(items(&closed, "PAR-"), ex.closed, "closed");
    let share = section(text, "Compliments cleared to share");
    assert_eq!(items(&share, "PAR-"), ex.share, "share");
    if ex.triage > 0 {
        let triage = section(
            text,
            "Waiting for a kind: reply #reclassify complaint, compliment, comment or other",
        );
        assert_eq!(items(&triage, "PAR-"), ex.triage, "triage");
    }
    section(text, "Due within 2 working days");
}

/// The first tick of the day on a copy of `db` in `dir` (it writes: fires
/// deadlines, queues the digest), with the survey step on or off. Returns
/// the run, the queued digest's bytes and how many surveys it queued, after
/// checking that it claimed the day and queued the digest.
async fn first_tick(db: &Path, dir: &Path, surveys: bool) -> (Run, usize, usize) {
    std::fs::create_dir_all(dir).expect("dir");
    let copy = dir.join("db.sqlite");
    std::fs::copy(db, &copy).expect("copy database");
    let cfg = write_config(dir, &copy);
    if !surveys {
        let policy = dir.join("policy.toml");
        let text = std::fs::read_to_string(&policy).expect("policy");
        let off = text.replace("[survey]\nenabled = true", "[survey]\nenabled = false");
        assert_ne!(
            off, text,
            "the example policy has no survey step to switch off"
        );
        std::fs::write(&policy, off).expect("policy");
    }
    // The complaints the survey step should survey: closed in the two weeks
    // up to a working day ago (Monday at this time) and not yet surveyed.
    let due: i64 = {
        let until: DateTime<Utc> = NOW.parse::<DateTime<Utc>>().expect("now") - Duration::days(1);
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", copy.display()))
            .await
            .expect("open copy");
        let n = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE kind = 'complaint' AND state = 'closed'
             AND closed_at > ? AND closed_at <= ? AND data ->> '$.survey' IS NULL",
        )
        .bind(until - Duration::days(14))
        .bind(until)
        .fetch_one(&pool)
        .await
        .expect("surveys due");
        pool.close().await;
        n
    };
    let store = Store::open(&copy).await.expect("open copy");
    let before = {
        let mut tx = store.begin().await.expect("begin");
        let id = Store::outbox_count(&mut tx).await.expect("outbox max id");
        tx.rollback().await.expect("rollback");
        id
    };
    store.close().await;
    let tick = measure(&[
        "--config",
        cfg.to_str().expect("path"),
        "tick",
        "--now",
        NOW,
    ]);
    assert!(
        tick.stdout.contains("digest sent"),
        "the tick did not send the digest: {}",
        tick.stdout
    );
    let store = Store::open(&copy).await.expect("open copy");
    assert!(
        store.digest_sent("2026-11-24").await.expect("digest day"),
        "no digest claimed for the day"
    );
    let queued = store.outbox_after(before).await.expect("outbox");
    let digests: Vec<_> = queued
        .iter()
        .filter(|m| m.template == "daily_digest")
        .collect();
    let queued_surveys = queued
        .iter()
        .filter(|m| m.template == "satisfaction_survey")
        .count();
    let want = if surveys { due as usize } else { 0 };
    assert_eq!(queued_surveys, want, "surveys queued (step on: {surveys})");
    assert!(!digests.is_empty(), "no daily_digest queued");
    let digest_bytes = digests[0].raw.len();
    let raw = String::from_utf8_lossy(&digests[0].raw);
    for title in [
        "Open complaints by stage",
        "Breached",
        "Closed in the last 24 hours",
    ] {
        assert!(raw.contains(title), "the queued digest has no {title:?}");
    }
    store.close().await;
    // A copy is as big as the database (4 GB at a million cases): gone
    // before the next, so the benchmark needs room for one copy only.
    for p in [
        copy.clone(),
        copy.with_extension("sqlite-wal"),
        copy.with_extension("sqlite-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
    (tick, digest_bytes, queued_surveys)
}

/// Build (or reuse) the database of `n` cases under `cache_dir`, then
/// measure the preview on it and the first tick of the day on a copy in
/// `work`.
pub async fn figures(n: usize, cache_dir: &Path, work: &Path) -> Figures {
    let (db, expected, build_seconds) = database(n, cache_dir).await;
    let db_bytes = std::fs::metadata(&db).expect("db size").len();

    let preview_dir = work.join("preview");
    std::fs::create_dir_all(&preview_dir).expect("dir");
    let cfg = write_config(&preview_dir, &db);
    let cfg = cfg.to_str().expect("path");
    let preview = measure(&["--config", cfg, "digest", "--preview", "--now", NOW]);
    check_preview(&preview.stdout, &expected);

    // The first tick of the day, twice, each on a fresh copy: with the
    // survey step switched off (the digest and the scheduler), then as
    // configured (also surveying the complaints closed since yesterday's
    // step, work that grows with a day's closures, not with the cases kept).
    let (tick, digest_bytes, _) = first_tick(&db, &work.join("tick"), false).await;
    let (tick_surveys, _, surveys) = first_tick(&db, &work.join("tick-surveys"), true).await;

    // The performance report for a year, with every chart, from the cached database.
    let report_dir = work.join("report");
    std::fs::create_dir_all(&report_dir).expect("dir");
    let cfg = write_config(&report_dir, &db);
    let out = report_dir.join("out");
    let report = measure(&[
        "--config",
        cfg.to_str().expect("path"),
        "report",
        "--from",
        REPORT_FROM,
        "--to",
        REPORT_TO,
        "--now",
        NOW,
        "--out",
        out.to_str().expect("path"),
    ]);
    let html = std::fs::read_to_string(report.stdout.trim()).expect("the report's HTML");
    let tile = format!("<b>{}</b>Cases received", expected.report_received);
    assert!(html.contains(&tile), "the report does not say {tile:?}");
    // And it lists every lesson of the year's cases, as many as their JSON
    // (the truth the register is copied from) holds.
    let lessons: i64 = {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open database");
        let n = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE data ->> '$.lessons' IS NOT NULL
             AND kind NOT IN ('auto_reply', 'bounce', 'bulk') AND opened_day >= ? AND opened_day <= ?",
        )
        .bind(REPORT_FROM)
        .bind(REPORT_TO)
        .fetch_one(&pool)
        .await
        .expect("lessons");
        pool.close().await;
        n
    };
    assert!(lessons > 0, "the year has lessons");
    assert_eq!(
        html.matches(LESSON).count() as i64,
        lessons,
        "the report's lessons register"
    );
    Figures {
        cases: n,
        build_seconds,
        db_bytes,
        preview,
        tick,
        tick_surveys,
        surveys,
        digest_bytes,
        report,
    }
}
