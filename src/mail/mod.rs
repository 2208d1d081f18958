//! Mail in and out: the IMAP and Maildir mailboxes the daemon reads, the
//! outgoing message builder, the outbox sender (Maildir or SMTP), TLS, and
//! the OAuth2 token sources that sign in to both.

pub(crate) mod imap;
pub mod maildir;
pub mod maildir_source;
pub(crate) mod outgoing;
pub mod sender;
pub(crate) mod tls;
pub(crate) mod token_source;
