//! References written in a message (not in its threading headers): which
//! case they name, whether the sender may act on it, and whether the
//! complainant is raising a different matter that needs a new, linked case.
//! Ingest's step between threading and the case machine.

use crate::app::App;
use crate::core::auth;
use crate::core::case;
use crate::core::intent::ReplyIntent;
use crate::core::kind::Flag;
use crate::core::mail::InboundMail;
use crate::core::reference::CaseRef;
use crate::core::threading;
use crate::store::Conn;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// How far back a case closed may still be the one a message without a
/// reference is about: a response's escalation window and a little more.
const RECENT_DAYS: i64 = 60;

/// The message being taken in, as `mentioned` reads it.
pub(crate) struct Incoming<'a> {
    /// The parsed message.
    pub(crate) mail: &'a InboundMail,
    /// What its headers, subject tag and address thread it to.
    pub(crate) thread: &'a threading::Thread,
    /// Its newly written text.
    pub(crate) new_text: &'a str,
    /// Its sender's address.
    pub(crate) sender: &'a str,
    /// The flags its own classification raised.
    pub(crate) flags: &'a BTreeSet<Flag>,
}

/// How a message found its case by its sender alone.
pub(crate) struct BySender {
    /// The case.
    pub(crate) case: CaseRef,
    /// The words that pointed back to it ("I sent a complaint last week").
    pub(crate) words: String,
    /// Whether the sender's mail server vouched for the From address.
    pub(crate) vouched: bool,
}

/// Which case a message is about, once references written in it count.
pub(crate) struct Mentioned {
    /// The case it acts on (or is recorded against), if any.
    pub(crate) existing: Option<case::Case>,
    /// It found that case by a reference written in its subject or text.
    pub(crate) by_text: Option<CaseRef>,
    /// It found that case by its sender alone: the complainant of one
    /// recent case, writing about "my complaint" with no reference (the
    /// words that said so, and whether their mail server vouched for the
    /// From address: unvouched, the message is recorded and changes nothing).
    pub(crate) by_sender: Option<BySender>,
    /// The complainant raised a different matter about this case: a new
    /// case opens, linked to it (with why, for both records).
    pub(crate) new_matter_of: Option<(case::Case, String)>,
    /// References it names that are no case here.
    pub(crate) unknown: Vec<CaseRef>,
}

/// A message with no threading signal that names a case in its subject or
/// newly written text joins that case: the complainant's acts on it, anyone
/// else's is recorded as a third party's (standing decides, as for any
/// threaded message). And a complainant who writes about a different matter,
/// naming or answering an old case, gets a new case linked to the old one.
/// A message with neither, whose writer points back to their own complaint,
/// joins their one recent case.
pub(crate) async fn mentioned(
    app: &App,
    tx: &mut Conn,
    msg: Incoming<'_>,
    existing: Option<case::Case>,
    now: DateTime<Utc>,
) -> Result<Mentioned, StoreError> {
    let Incoming {
        mail,
        thread,
        new_text,
        sender,
        flags,
    } = msg;
    let mut m = Mentioned {
        existing,
        by_text: None,
        by_sender: None,
        new_matter_of: None,
        unknown: Vec::new(),
    };
    let staff = mail.relayed_by.is_none() && app.directory.by_email(sender).is_some();
    // Staff act on a case by its links and tokens, never by naming it: a
    // member of staff who forwards a new complaint and notes "relates to
    // PAR-2026-0049" must not turn it into a draft on that old case.
    if m.existing.is_none() && !staff {
        let prefixes = vec![app.loaded.policy.procedure.reference_prefix.clone()];
        for r in threading::mentioned_anywhere(thread, new_text, &prefixes) {
            match Store::load_case(tx, &r).await? {
                Some(c) => {
                    m.existing = Some(c);
                    m.by_text = Some(r);
                    break;
                }
                None => m.unknown.push(r),
            }
        }
    }
    // No case found, no reference, but "further to my complaint of
    // Monday", "I sent a complaint last week": the one complaint its sender
    // made recently. Never for a form's relay (it carries whatever address
    // was typed), and only when the message raises no hazard the case
    // lacks: a new safeguarding concern written as "further to my
    // complaint" opens its own case, alerted. (Who writes or whom it is
    // about, "my son's apprenticeship", "Marcus Bell", is no new matter.)
    // With two or more recent complaints, or none,
    // nothing is guessed. When the sender's own domain's server does not
    // vouch for the From address, anyone could have written it: it joins
    // the case to be seen there (a second case and a second
    // acknowledgement would be worse), but acts on nothing.
    if m.existing.is_none() && !staff && m.unknown.is_empty() && mail.relayed_by.is_none() {
        if let Some(words) = threading::refers_back(new_text) {
            let since = now - Duration::days(RECENT_DAYS);
            let mut recent = Store::recent_cases_of(tx, sender, since, 2).await?;
            let new_hazard =
                |c: &case::Case| flags.iter().any(|f| f.is_hazard() && !c.flags.contains(f));
            if recent.len() == 1 && !new_hazard(&recent[0]) {
                let c = recent.remove(0);
                m.by_sender = Some(BySender {
                    case: c.reference.clone(),
                    words,
                    vouched: auth::sender_authenticated(
                        mail,
                        &app.loaded.config.security.trusted_authserv_id,
                    ),
                });
                m.existing = Some(c);
            }
        }
    }
    if let Some(c) = &m.existing {
        if !staff && case::standing(c, sender, false) == case::Standing::Complainant {
            let reading = case::reading(c, new_text);
            if reading.intent == ReplyIntent::NewMatter {
                let how = if m.by_text.is_some() {
                    "names"
                } else if m.by_sender.is_some() {
                    "comes from the complainant of"
                } else {
                    "answers mail about"
                };
                let why = format!(
                    "the complainant's message {how} {} but {}",
                    c.reference, reading.reason
                );
                m.new_matter_of = m.existing.take().map(|c| (c, why));
                m.by_text = None;
                m.by_sender = None;
            }
        }
    }
    Ok(m)
}
