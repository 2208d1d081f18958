//! The `[limits]` table: message size, quoting, the processing budget and
//! the flood caps, with their defaults.

use serde::Deserialize;

/// Loop and flood protection. Each limit counts over the last hour and the
/// last 24 hours; see `core::caps` for what each one counts and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Automatic mails to one outside recipient per hour.
    #[serde(default = "default_per_hour")]
    pub auto_per_hour: u32,
    /// Automatic mails to one outside recipient per day.
    #[serde(default = "default_per_day")]
    pub auto_per_day: u32,
    /// Automatic replies to one outside domain per hour.
    #[serde(default = "default_domain_per_hour")]
    pub auto_per_domain_per_hour: u32,
    /// Automatic replies to one outside domain per day.
    #[serde(default = "default_domain_per_day")]
    pub auto_per_domain_per_day: u32,
    /// Automatic replies to one free-mail domain per hour.
    #[serde(default = "default_consumer_per_hour")]
    pub auto_per_consumer_domain_per_hour: u32,
    /// Automatic replies to one free-mail domain per day.
    #[serde(default = "default_consumer_per_day")]
    pub auto_per_consumer_domain_per_day: u32,
    /// Free-mail domains (replaces the built-in list when given).
    #[serde(default = "default_consumer_domains")]
    pub consumer_domains: Vec<String>,
    /// Notifications to one member of staff about one case per hour.
    #[serde(default = "default_staff_case_per_hour")]
    pub staff_per_case_per_hour: u32,
    /// Notifications to one member of staff about one case per day.
    #[serde(default = "default_staff_case_per_day")]
    pub staff_per_case_per_day: u32,
    /// Notifications to one member of staff caused by one sender per hour.
    #[serde(default = "default_staff_sender_per_hour")]
    pub staff_per_sender_per_hour: u32,
    /// Notifications to one member of staff caused by one sender per day.
    #[serde(default = "default_staff_sender_per_day")]
    pub staff_per_sender_per_day: u32,
    /// Messages larger than this are recorded from their headers only, on
    /// every path (IMAP, the Maildir mailbox, `complaintd ingest`).
    #[serde(default = "default_max_bytes")]
    pub max_message_bytes: u64,
    /// At most this many characters of a complainant's text are quoted into
    /// mail to staff; the rest is in the case record, and the mail says so.
    #[serde(default = "default_max_quoted_chars")]
    pub max_quoted_chars: usize,
    /// Milliseconds one message may take to process before it is
    /// quarantined with that reason instead of being answered.
    #[serde(default = "default_processing_budget_ms")]
    pub processing_budget_ms: u64,
}

fn default_per_hour() -> u32 {
    5
}
fn default_per_day() -> u32 {
    20
}
fn default_domain_per_hour() -> u32 {
    20
}
fn default_domain_per_day() -> u32 {
    60
}
fn default_consumer_per_hour() -> u32 {
    200
}
fn default_consumer_per_day() -> u32 {
    1000
}
fn default_consumer_domains() -> Vec<String> {
    crate::core::caps::CONSUMER_DOMAINS
        .iter()
        .map(|d| d.to_string())
        .collect()
}
fn default_staff_case_per_hour() -> u32 {
    5
}
fn default_staff_case_per_day() -> u32 {
    20
}
fn default_staff_sender_per_hour() -> u32 {
    10
}
fn default_staff_sender_per_day() -> u32 {
    30
}
fn default_max_bytes() -> u64 {
    25 * 1024 * 1024
}
fn default_max_quoted_chars() -> usize {
    20_000
}
fn default_processing_budget_ms() -> u64 {
    10_000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            auto_per_hour: default_per_hour(),
            auto_per_day: default_per_day(),
            auto_per_domain_per_hour: default_domain_per_hour(),
            auto_per_domain_per_day: default_domain_per_day(),
            auto_per_consumer_domain_per_hour: default_consumer_per_hour(),
            auto_per_consumer_domain_per_day: default_consumer_per_day(),
            consumer_domains: default_consumer_domains(),
            staff_per_case_per_hour: default_staff_case_per_hour(),
            staff_per_case_per_day: default_staff_case_per_day(),
            staff_per_sender_per_hour: default_staff_sender_per_hour(),
            staff_per_sender_per_day: default_staff_sender_per_day(),
            max_message_bytes: default_max_bytes(),
            max_quoted_chars: default_max_quoted_chars(),
            processing_budget_ms: default_processing_budget_ms(),
        }
    }
}

impl Limits {
    /// The limits as the core's flood caps take them.
    pub fn caps(&self) -> crate::core::caps::Caps {
        crate::core::caps::Caps {
            per_recipient: (self.auto_per_hour, self.auto_per_day),
            per_domain: (self.auto_per_domain_per_hour, self.auto_per_domain_per_day),
            per_consumer_domain: (
                self.auto_per_consumer_domain_per_hour,
                self.auto_per_consumer_domain_per_day,
            ),
            consumer_domains: self
                .consumer_domains
                .iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .collect(),
            staff_per_case: (self.staff_per_case_per_hour, self.staff_per_case_per_day),
            staff_per_sender: (
                self.staff_per_sender_per_hour,
                self.staff_per_sender_per_day,
            ),
        }
    }

    /// Each hour/day pair by its key names, for `check`.
    pub fn pairs(&self) -> [(&'static str, &'static str, u32, u32); 5] {
        [
            (
                "auto_per_hour",
                "auto_per_day",
                self.auto_per_hour,
                self.auto_per_day,
            ),
            (
                "auto_per_domain_per_hour",
                "auto_per_domain_per_day",
                self.auto_per_domain_per_hour,
                self.auto_per_domain_per_day,
            ),
            (
                "auto_per_consumer_domain_per_hour",
                "auto_per_consumer_domain_per_day",
                self.auto_per_consumer_domain_per_hour,
                self.auto_per_consumer_domain_per_day,
            ),
            (
                "staff_per_case_per_hour",
                "staff_per_case_per_day",
                self.staff_per_case_per_hour,
                self.staff_per_case_per_day,
            ),
            (
                "staff_per_sender_per_hour",
                "staff_per_sender_per_day",
                self.staff_per_sender_per_hour,
                self.staff_per_sender_per_day,
            ),
        ]
    }
}
