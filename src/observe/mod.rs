//! What an operator's monitoring sees of a running daemon: the counters and
//! latency histograms (`/metrics`, Prometheus' text format) and whether it is
//! ready and alive (`/healthz`), served by [`http::serve`] on a loopback
//! address when `[observe] listen` is set.
//!
//! The counters live in the process ([`Metrics`], one per [`App`]); each
//! instance of a deployment reports its own, which the monitoring adds up.
//! Workers count what they committed: a batch rolled back counts nothing.
//!
//! [`App`]: crate::app::App

pub mod http;

use crate::core::case::DeadlineKind;
use crate::work::ingest::Ingested;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A label set of one `kind` (of case, deadline or lease change).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The stored name of the kind.
    pub kind: String,
}

/// A label set naming one account or mailbox.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AccountLabel {
    /// The account (`mailbox:NAME`, `outbox`, `alerts`) or mailbox name.
    pub account: String,
}

/// A lease change of one mailbox.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LeaseLabel {
    /// The mailbox.
    pub mailbox: String,
    /// `acquired`, `lost` or `released`.
    pub change: String,
}

/// The daemon's counters and histograms, and the time of the run loop's
/// last pass (liveness).
pub struct Metrics {
    registry: Registry,
    /// Messages stored (not repeats), whatever became of them.
    pub ingested: Counter,
    /// Messages already stored, recognised and skipped.
    pub duplicates: Counter,
    /// Messages quarantined.
    pub quarantined: Counter,
    /// Cases opened, by kind.
    pub cases_opened: Family<KindLabel, Counter>,
    /// Mail delivered.
    pub mail_sent: Counter,
    /// Mail given up on (permanent failure or attempts used up).
    pub mail_failed: Counter,
    /// Mail put back for another attempt.
    pub mail_retried: Counter,
    /// Deadlines that passed unmet, by kind.
    pub deadlines_breached: Family<KindLabel, Counter>,
    /// Mailbox lease changes.
    pub lease_changes: Family<LeaseLabel, Counter>,
    /// Failed sign-ins, by account.
    pub signin_failures: Family<AccountLabel, Counter>,
    /// Seconds from the start of a message's batch to its commit.
    pub ingest_seconds: Histogram,
    /// Seconds one delivery took (SMTP transaction or Maildir write).
    pub send_seconds: Histogram,
    started: Instant,
    /// Milliseconds after `started` of the last run-loop pass, plus one
    /// (0: none yet).
    last_pass_ms: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Histogram buckets from 1 ms to about 65 s, doubling.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.001, 2.0, 17)
}

impl Metrics {
    /// Every metric at zero, registered under the `complaintd_` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("complaintd");
        let m = Metrics {
            ingested: Counter::default(),
            duplicates: Counter::default(),
            quarantined: Counter::default(),
            cases_opened: Family::default(),
            mail_sent: Counter::default(),
            mail_failed: Counter::default(),
            mail_retried: Counter::default(),
            deadlines_breached: Family::default(),
            lease_changes: Family::default(),
            signin_failures: Family::default(),
            ingest_seconds: Histogram::new(latency_buckets()),
            send_seconds: Histogram::new(latency_buckets()),
            started: Instant::now(),
            last_pass_ms: AtomicU64::new(0),
            registry: Registry::default(),
        };
        registry.register(
            "messages_ingested",
            "Messages stored (repeats not counted)",
            m.ingested.clone(),
        );
        registry.register(
            "messages_duplicate",
            "Messages already stored, recognised and skipped",
            m.duplicates.clone(),
        );
        registry.register(
            "messages_quarantined",
            "Messages quarantined",
            m.quarantined.clone(),
        );
        registry.register(
            "cases_opened",
            "Cases opened, by kind",
            m.cases_opened.clone(),
        );
        registry.register("mail_sent", "Mail delivered", m.mail_sent.clone());
        registry.register(
            "mail_failed",
            "Mail given up on (permanent failure or attempts used up)",
            m.mail_failed.clone(),
        );
        registry.register(
            "mail_retried",
            "Deliveries put back for another attempt",
            m.mail_retried.clone(),
        );
        registry.register(
            "deadlines_breached",
            "Deadlines that passed unmet, by kind",
            m.deadlines_breached.clone(),
        );
        registry.register(
            "lease_changes",
            "Mailbox lease changes (acquired, lost, released)",
            m.lease_changes.clone(),
        );
        registry.register(
            "signin_failures",
            "Failed sign-ins to a mailbox or SMTP account",
            m.signin_failures.clone(),
        );
        registry.register(
            "ingest_seconds",
            "Seconds from the start of a message's batch to its commit",
            m.ingest_seconds.clone(),
        );
        registry.register(
            "send_seconds",
            "Seconds one delivery took",
            m.send_seconds.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The metrics in the text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Count the outcomes of a committed batch that took `took`; `kinds`
    /// gives the kind of each case it opened.
    pub fn ingested(&self, outcomes: &[Ingested], kinds: &[&str], took: Duration) {
        for o in outcomes {
            match o {
                Ingested::Duplicate => {
                    self.duplicates.inc();
                    continue;
                }
                Ingested::Quarantined(_) => {
                    self.quarantined.inc();
                }
                Ingested::Opened(_) | Ingested::Threaded(_) | Ingested::Ignored { .. } => {}
            }
            self.ingested.inc();
            self.ingest_seconds.observe(took.as_secs_f64());
        }
        for kind in kinds {
            self.cases_opened
                .get_or_create(&KindLabel {
                    kind: kind.to_string(),
                })
                .inc();
        }
    }

    /// Count a deadline that fell due, if its passing is a breach.
    pub fn deadline_due(&self, kind: DeadlineKind) {
        if is_breach(kind) {
            self.deadlines_breached
                .get_or_create(&KindLabel {
                    kind: kind.as_str().to_string(),
                })
                .inc();
        }
    }

    /// Count a failed sign-in to `account`.
    pub fn signin_failed(&self, account: &str) {
        self.signin_failures
            .get_or_create(&AccountLabel {
                account: account.to_string(),
            })
            .inc();
    }

    /// Count a lease change of `mailbox`.
    pub fn lease_changed(&self, mailbox: &str, change: &str) {
        self.lease_changes
            .get_or_create(&LeaseLabel {
                mailbox: mailbox.to_string(),
                change: change.to_string(),
            })
            .inc();
    }

    /// The run loop completed a pass (liveness).
    pub fn passed(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_pass_ms
            .store(ms.saturating_add(1), Ordering::Relaxed);
    }

    /// How long these metrics (the process) have been counting.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// How long ago the run loop's last pass was, if it made one.
    pub fn since_last_pass(&self) -> Option<Duration> {
        match self.last_pass_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(
                self.started
                    .elapsed()
                    .saturating_sub(Duration::from_millis(ms - 1)),
            ),
        }
    }
}

/// Whether a deadline falling due means something was not done in time
/// (an acknowledgement, a response, a decision, a kind confirmed, a remedy),
/// rather than a window closing or an update falling due.
pub fn is_breach(kind: DeadlineKind) -> bool {
    match kind {
        DeadlineKind::Acknowledge
        | DeadlineKind::Respond
        | DeadlineKind::Decision
        | DeadlineKind::ConfirmKind
        | DeadlineKind::Remedy => true,
        DeadlineKind::EscalationWindow
        | DeadlineKind::Permission
        | DeadlineKind::DataProtectionUpdate => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_counts_each_outcome_once_and_repeats_apart() {
        let m = Metrics::new();
        let outcomes = [
            Ingested::Opened("C-1".into()),
            Ingested::Duplicate,
            Ingested::Quarantined("too big".into()),
            Ingested::Threaded("C-1".into()),
        ];
        m.ingested(&outcomes, &["complaint"], Duration::from_millis(3));
        let text = m.encode();
        assert!(
            text.contains("complaintd_messages_ingested_total 3\n"),
            "{text}"
        );
        assert!(
            text.contains("complaintd_messages_duplicate_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains("complaintd_messages_quarantined_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains("complaintd_cases_opened_total{kind=\"complaint\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("complaintd_ingest_seconds_count 3\n"),
            "{text}"
        );
    }

    #[test]
    fn only_unmet_deadlines_count_as_breaches() {
        let m = Metrics::new();
        m.deadline_due(DeadlineKind::Respond);
        m.deadline_due(DeadlineKind::EscalationWindow);
        let text = m.encode();
        assert!(
            text.contains("complaintd_deadlines_breached_total{kind=\"respond\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("escalation"), "{text}");
    }

    #[test]
    fn liveness_is_unknown_until_the_first_pass() {
        let m = Metrics::new();
        assert_eq!(m.since_last_pass(), None);
        m.passed();
        assert!(m
            .since_last_pass()
            .is_some_and(|d| d < Duration::from_secs(5)));
    }
}
