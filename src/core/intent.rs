//! What a complainant's reply means for the case: satisfied, dissatisfied
//! (escalate), consent given, permission to share given or refused.

use super::text::normalise;
use regex::Regex;
use std::sync::LazyLock;

/// The reading of a complainant's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyIntent {
    /// "Thank you, that's sorted": does not escalate.
    Satisfied,
    /// Not satisfied, or asks to take it further.
    Dissatisfied,
    /// The learner's written consent to investigate.
    Consent,
    /// Yes to sharing a compliment.
    PermissionGranted,
    /// No to sharing.
    PermissionRefused,
    /// Anything else.
    Unclear,
}

static DISSATISFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(not (at all )?(satisfied|happy|resolved|sorted|acceptable|good enough)|unhappy|dissatisf|escalat|appeal|take (this|it) further|next stage|stage (2|3|two|three)|disagree|(doesn'?t|does not|didn'?t|did not) (answer|address|explain|resolve)|still (not|no|waiting|haven'?t|hasn'?t)|unacceptable|not the end of|ddim yn (hapus|fodlon)|anfodlon)\b").expect("static regex")
});
static SATISFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(thank(s| you)|cheers|that'?s (sorted|fine|great|brilliant|perfect|all i needed)|all (sorted|good|fine)|happy with (that|this|the (outcome|response))|(issue|problem|matter) (is )?(now )?(resolved|sorted)|no further action|diolch|problem solved)\b").expect("static regex")
});
static CONSENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(i (give|confirm|am giving) (my |written )?(consent|permission|agreement)|i consent|i agree (to|with) (the|this|you|my)|(happy|ok|okay|content) for you to (investigate|look into|go ahead)|you have my (consent|permission)|rwy'?n cytuno|caniatâd)\b").expect("static regex")
});
static PERMISSION_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(please (don'?t|do not) (share|post|publish|use)|(i'?d|i would) (rather|prefer) (you )?(didn'?t|not)|not (happy|comfortable) (for|with) (you|it|that) (to )?(be )?(shar|post|us)|keep it private|no,? (thanks|thank you)|no,? please)\b").expect("static regex")
});
static PERMISSION_YES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(yes|yeah|yep|of course|sure|absolutely|definitely|go ahead|ie|wrth gwrs)\b|\b((happy|ok|okay|fine|glad) for (you|it|that|this|my (comment|message|words)) (to )?(be )?(shar|post|us)|(you can|feel free to|please do) (share|use|post)|yes,? (you can|please|of course|happy|that'?s fine))").expect("static regex")
});

/// Read a reply's newly written text. `asked_permission` and
/// `awaiting_consent` say what the case is waiting for, which decides how a
/// bare "yes" is read.
pub fn read_reply(text: &str, asked_permission: bool, awaiting_consent: bool) -> ReplyIntent {
    let t = normalise(text);
    if awaiting_consent && CONSENT.is_match(&t) {
        return ReplyIntent::Consent;
    }
    if asked_permission {
        if PERMISSION_NO.is_match(&t) {
            return ReplyIntent::PermissionRefused;
        }
        if PERMISSION_YES.is_match(&t) {
            return ReplyIntent::PermissionGranted;
        }
    }
    if DISSATISFIED.is_match(&t) {
        return ReplyIntent::Dissatisfied;
    }
    // A short thank-you is satisfaction; a long message that happens to say
    // thanks is a person explaining why they are not.
    if SATISFIED.is_match(&t) && t.split_whitespace().count() <= 40 && !t.contains(" but ") {
        return ReplyIntent::Satisfied;
    }
    ReplyIntent::Unclear
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings() {
        assert_eq!(
            read_reply("Thank you, that's sorted now.", false, false),
            ReplyIntent::Satisfied
        );
        assert_eq!(
            read_reply(
                "I am not satisfied because nobody has explained the fee.",
                false,
                false
            ),
            ReplyIntent::Dissatisfied
        );
        assert_eq!(read_reply("Thanks but this doesn't answer my question about the fee at all, I was charged twice and want it refunded", false, false), ReplyIntent::Dissatisfied);
        assert_eq!(
            read_reply("Yes, happy for you to share it!", true, false),
            ReplyIntent::PermissionGranted
        );
        assert_eq!(
            read_reply("I'd rather you didn't share it, thanks", true, false),
            ReplyIntent::PermissionRefused
        );
        assert_eq!(
            read_reply("I give my consent for the investigation. Lily", false, true),
            ReplyIntent::Consent
        );
        assert_eq!(
            read_reply("When is the next visit?", false, false),
            ReplyIntent::Unclear
        );
    }
}
