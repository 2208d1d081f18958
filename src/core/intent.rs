//! What a complainant's reply means for the case, read for what it is:
//! a request to take it further (or dissatisfaction with a response), a
//! different matter, a chase for news, thanks, an answer, consent, an answer
//! about sharing, or unclear. Only the first may move a case to its next
//! stage (the case machine decides, from where the case stands); every
//! reading carries the reason it was read so, for the case's record.
//!
//! The cues (`intent_cues`) are read sentence by sentence, so "no need to
//! take it any further" is not a request, and a "not" or "still" in an
//! answer about what happened is not dissatisfaction with a response.

use super::intent_cues::folded;
use super::intent_cues::{
    CueKind, ACCEPTS, CLOSES, CONDITION_NEXT, COURTESY_THANKS, CUES, DOUBT, HEADER_LINE,
    HYPOTHETICAL, NEGATED_REQUEST, POLITE, PROCEDURE_QUESTION, QUOTATION, SETTLED, SIGN_OFF,
};
use super::text::{fold_accents, normalise};
use crate::core::lean_regex::{Match, Regex};
use std::sync::LazyLock;

/// The reading of a complainant's reply. Shown in the audit by its
/// snake_case name (the spelling `reply-text --eval` labels use).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum ReplyIntent {
    /// Not satisfied with a response, or asks to take it further.
    Escalate,
    /// A different matter from the case's.
    NewMatter,
    /// Asks for news.
    Chase,
    /// Thanks, or says it is sorted.
    Thanks,
    /// Asks to withdraw the complaint before its response: a handler
    /// confirms it (`#withdraw`); nothing changes on its own.
    Withdraw,
    /// Information for the handler (before the stage response).
    Answer,
    /// The learner's written consent to investigate.
    Consent,
    /// Yes to sharing a compliment.
    PermissionGranted,
    /// No to sharing.
    PermissionRefused,
    /// None of these with any confidence.
    Unclear,
    /// An answer to the satisfaction survey (a score or satisfied / not):
    /// recorded, never an escalation.
    SurveyAnswer,
}

impl ReplyIntent {
    /// The name used in the audit and by `reply-text --eval`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where the case stands, which decides how some replies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplyContext {
    /// A stage response has been sent: a reply with no clear cue may be
    /// about it, so it is unclear (for the handler to decide), not an answer.
    pub responded: bool,
    /// The case asked whether a compliment may be shared: a bare "yes" answers it.
    pub asked_permission: bool,
    /// The case waits for the learner's consent.
    pub awaiting_consent: bool,
    /// The satisfaction survey went and is not answered yet: a reply with
    /// a score or (dis)satisfaction answers it.
    pub survey_asked: bool,
}

/// A reading and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// What the reply was read as.
    pub intent: ReplyIntent,
    /// Why, in words for the case's record (the cue and the words that
    /// matched, or why nothing did).
    pub reason: String,
}

static CONSENT: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(i (give|confirm|am giving) (my |written )?(consent|permission|agreement)|i consent|i agree (to|with) (the|this|you|my)|(happy|ok|okay|content) for you to (investigate|look into|go ahead)|you have my (consent|permission)|(rwy'?n|rydw i'?n|rwyf i'?n|dw i'?n|yr wyf yn|rwyf yn) (cytuno|rhoi (fy |y )?(nghaniatâd|caniatâd))|(cewch|mae gennych|dyma) (fy )?(nghaniatâd|caniatâd))\b",
    )
});
static PERMISSION_NO: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(please (don'?t|do not) (share|post|publish|use)|(i'?d|i would) (rather|prefer) (you )?(didn'?t|not)|not (happy|comfortable) (for|with) (you|it|that) (to )?(be )?(shar|post|us)|keep it private|no,? (thanks|thank you)|no,? please|na chewch|dim diolch|peidiwch (â|a)('i| ei)? (rannu|ddefnyddio|gyhoeddi)|byddai'n well gen i (i chi )?beidio)\b",
    )
});
static PERMISSION_YES: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"^(yes|yeah|yep|of course|sure|absolutely|definitely|go ahead|ie|wrth gwrs|cewch|ydw|iawn)\b|\bmae croeso i chi (ei )?(rannu|ddefnyddio|gyhoeddi)|\b((happy|ok|okay|fine|glad) for (you|it|that|this|my (comment|message|words)) (to )?(be )?(shar|post|us)|(you can|feel free to|please do) (share|use|post)|yes,? (you can|please|of course|happy|that'?s fine))",
    )
});
/// "The next stage of my course", "a próxima etapa do meu curso": a stage
/// of the learner's training, not of the complaint.
static OF_THE_COURSE: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"^ (of|do|da|del|de|din) (my|the|meu|minha|mi|la|o|a|el)? ?(course|apprenticeship|training|programme|qualification|curso|programa|aprendizagem|aprendizaje|formação|formacion|cursului|ucenicie)\b",
    )
});

/// A cue that opens on a verb in the past tense ("sent … to the
/// manager", "escalated it") …
static PAST_DEED: LazyLock<Regex> = LazyLock::new(|| {
    folded(r"^(sent|passed|referred|moved|progressed|forwarded|escalated|took|taken|put)\b")
});

/// … right after someone who did it ("I sent the form to the manager on
/// Monday", "my tutor passed it to the next level"): what happened, not a
/// request.
static DOER: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(i|we|he|she|they|you|someone|somebody|my \w+|the \w+)( had| have| has| already| then| just)* $",
    )
});

/// Someone else's words reported ("the assessor told me to drop it", "she
/// said I should withdraw it"): not the writer's own request.
static REPORTED: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(told|asked|advised|said to|wants|wanted|pressured|pressuring|telling|asking) (me|us|him|her|them)( that)?( i| we)?( should| to| must)? $|\b(said|says|suggested) (that )?(i|we) (should|must|could) $",
    )
});

/// Where an escalation goes when it is the writer's own doing on their own
/// side ("I've had to escalate this internally to our Operations
/// Director", "told the supervisor I'd escalate it with my manager"): the
/// writer's organisation, not ours. Only when nothing before it in the
/// sentence asks for it ([`ASKING`]): "I'd like this escalated internally
/// to your Director" asks us.
static OUR_SIDE: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"^\W*(\w+ ){0,3}?((internally|in-house)( to our| with our| at our|,|$| but| because| and| so)|on our side|at our end|(with|to) (my (own |line |site |area )?(manager|boss|supervisor)|our (own )?(hr|head office|operations director|managing director|board|directors))\b)",
    )
});

/// Words that ask for what follows ("I'd like this escalated…").
static ASKING: LazyLock<Regex> = LazyLock::new(|| {
    folded(r"\b(like|want|wish|please|ask|asking|request|could you|can you|would you)\b")
});

/// Words that deny an acceptance that follows ("I do not accept", "I can't
/// accept", "why should I accept").
static DENIED: LazyLock<Regex> = LazyLock::new(|| {
    folded(r"\b(not|never|can'?t|cannot|won'?t|don'?t|why|should|how)\b[^.]{0,20}$")
});

/// [`ACCEPTS`], compiled to read a sentence.
static ACCEPTED: LazyLock<Regex> = LazyLock::new(|| folded(ACCEPTS));

/// [`CLOSES`], compiled to read a sentence.
static CLOSED: LazyLock<Regex> = LazyLock::new(|| folded(CLOSES));

/// The thanks cue's words when they only say something is fine.
static FINE: LazyLock<Regex> = LazyLock::new(|| folded(r"\bfine\b"));

static SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| folded(r"[.!?;\n。！？؟۔]+"));

/// The words a cue matched, short enough for a record line.
fn quoted(s: &str) -> String {
    let s: String = s.chars().take(60).collect();
    format!("\"{}\"", s.trim())
}

/// The text without sign-off lines ("Thanks", "Kind regards", a name), so
/// the courtesy under an answer is not read as thanks for the outcome.
fn without_sign_off(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut seen = 0;
    for (i, l) in lines.iter().enumerate().rev() {
        let t = normalise(&fold_accents(l));
        if t.is_empty() {
            continue;
        }
        // Only the last few short lines can be a sign-off and a name
        // (four words: "Diolch yn fawr iawn", "Thank you so much").
        seen += 1;
        if seen > 3 || t.split_whitespace().count() > 4 {
            break;
        }
        if SIGN_OFF.is_match(&t) {
            if i == 0 || lines[..i].iter().all(|l| l.trim().is_empty()) {
                // Nothing but a sign-off: "Thanks!" alone is thanks.
                break;
            }
            return lines[..i].join("\n");
        }
    }
    text.to_string()
}

/// The text up to a quoted message's header block that the quote stripper
/// left in (a line naming an address, then at least two more header lines):
/// our own words quoted back are not the complainant's.
fn before_history(text: &str) -> &str {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut offset = 0;
    for (i, l) in lines.iter().enumerate() {
        let headerish = |l: &&str| HEADER_LINE.is_match(l);
        if l.contains('@')
            && headerish(l)
            && lines[i + 1..]
                .iter()
                .take(4)
                .filter(|x| headerish(x))
                .count()
                >= 2
        {
            return &text[..offset];
        }
        offset += l.len();
    }
    text
}

/// Whether a request cue's match `m` in sentence `s` asks for nothing:
/// negated or hypothetical ("no need to take it further", "if I withdraw
/// it…"); for a withdrawal, someone else's words reported ("the assessor
/// told me to drop it"); for an escalation, a deed already done ("I sent
/// it to the manager"), a stage of the course, or a question about how the
/// procedure works ("does it go straight to Stage 2?").
fn not_asked(kind: CueKind, s: &Said, m: &Match<'_>) -> bool {
    let before = &s.text[..m.start()];
    let after = &s.text[m.end()..];
    let negated = NEGATED_REQUEST.is_match(before) || HYPOTHETICAL.is_match(before);
    match kind {
        // "I won't take this further if you refund me": a condition, not a
        // withdrawal.
        CueKind::Withdraw => negated || REPORTED.is_match(before) || CONDITION_NEXT.is_match(after),
        CueKind::Escalate => {
            negated
                || (s.question && PROCEDURE_QUESTION.is_match(before))
                || (PAST_DEED.is_match(m.as_str()) && DOER.is_match(before))
                || OF_THE_COURSE.is_match(after)
                || (OUR_SIDE.is_match(after) && !ASKING.is_match(before))
        }
        // "I won't be taking it further if…" settles nothing yet.
        CueKind::Thanks => m.as_str().contains("further") && CONDITION_NEXT.is_match(after),
        CueKind::NewMatter | CueKind::Chase => false,
    }
}

/// One sentence of a reply: its normalised words (without the mark that
/// ended it), and whether that mark was a question mark.
#[derive(Clone)]
struct Said {
    text: String,
    question: bool,
}

/// The sentences of `text`, each with whether it asked a question.
fn sentences_of(text: &str) -> Vec<Said> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut cuts: Vec<(usize, usize)> = SENTENCE_END
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    cuts.push((text.len(), text.len()));
    for (end, next) in cuts {
        if end < start {
            continue;
        }
        let question = text[end..next].contains(['?', '？', '؟']);
        // "Os gwelwch yn dda", "if that's ok": "please", not a condition.
        let words = POLITE
            .replace_all(&normalise(&text[start..end]), "please")
            .into_owned();
        start = next;
        if !words.is_empty() {
            out.push(Said {
                text: words,
                question,
            });
        }
    }
    out
}

/// The first cue of `kind` that matches a sentence of `text`, skipping
/// requests (to take it further, to withdraw) that are negated or
/// hypothetical in their own sentence.
fn find(kind: CueKind, sentences: &[Said]) -> Option<String> {
    find_where(kind, sentences, |_| true)
}

/// [`find`], keeping only matches whose words pass `keep`.
fn find_where(kind: CueKind, sentences: &[Said], keep: impl Fn(&str) -> bool) -> Option<String> {
    for cue in CUES.iter().filter(|c| c.kind == kind) {
        for s in sentences {
            let found = cue
                .re
                .find_iter(&s.text)
                .find(|m| !not_asked(kind, s, m) && keep(m.as_str()));
            if let Some(m) = found {
                return Some(format!("{} ({})", cue.name, quoted(m.as_str())));
            }
        }
    }
    None
}

/// A doubt beside thanks, sentence by sentence: a question always counts;
/// a word of doubt counts unless words that settle it come after it in the
/// same sentence ("disappointed it took a complaint, but I'm glad it's
/// sorted"; "if it hasn't come by the 18th I'll ask again, but hopefully
/// it won't come to that"), not before ("I'm happy with the apology but I
/// still don't understand the fee").
///
/// Words that close the matter in a later sentence ("I can't say I agree
/// with all of it, but… You can close it.") settle a word of doubt before
/// them too, but not a question.
fn doubt(sentences: &[Said]) -> Option<String> {
    for (n, s) in sentences.iter().enumerate() {
        if s.question {
            return Some("?".to_string());
        }
        let closed_later = sentences[n + 1..]
            .iter()
            .any(|l| !l.question && CLOSED.is_match(&l.text));
        if closed_later {
            continue;
        }
        let settled_after = |at: usize| SETTLED.find_iter(&s.text).any(|m| m.start() >= at);
        if let Some(d) = DOUBT.find_iter(&s.text).find(|d| !settled_after(d.end())) {
            return Some(d.as_str().to_string());
        }
    }
    None
}

/// The sentences without courtesy thanks ("thanks for confirming"), when
/// the rest says something of its own (six words or more).
fn courtesy_set_aside(sentences: &[Said]) -> Vec<Said> {
    let (courtesy, rest): (Vec<&Said>, Vec<&Said>) = sentences
        .iter()
        .partition(|s| COURTESY_THANKS.is_match(&s.text));
    let words: usize = rest.iter().map(|s| s.text.split_whitespace().count()).sum();
    if courtesy.is_empty() || words < 6 {
        return sentences.to_vec();
    }
    rest.into_iter().cloned().collect()
}

/// Whether an escalation cue's reason is a request to take it further
/// (not only dissatisfaction with the response).
fn is_request(why: &str) -> bool {
    why.starts_with("asks to take it further")
}

/// Words that accept the response in a sentence after the first one that
/// is not satisfied with it, when they are not asked, negated or
/// hypothetical ("why should I accept the decision?", "if I accept the
/// outcome…").
///
/// Words that close the matter ("… but I'll leave it there", "no need to
/// take it further") count too, later in the same sentence or after it.
fn accepted_after(sentences: &[Said]) -> Option<String> {
    let (unhappy, end) = CUES
        .iter()
        .filter(|c| c.kind == CueKind::Escalate)
        .filter_map(|c| {
            sentences
                .iter()
                .enumerate()
                .find_map(|(n, s)| c.re.find(&s.text).map(|m| (n, m.end())))
        })
        .min()?;
    let closes = |s: &Said, from: usize| {
        CLOSED
            .find_iter(&s.text)
            .find(|m| m.start() >= from && !HYPOTHETICAL.is_match(&s.text[..m.start()]))
            .filter(|_| !s.question)
            .map(|m| m.as_str().to_string())
    };
    closes(&sentences[unhappy], end).or_else(|| {
        sentences[unhappy + 1..].iter().find_map(|s| {
            if let Some(m) = ACCEPTED.find(&s.text) {
                let before = &s.text[..m.start()];
                let denied = s.question || HYPOTHETICAL.is_match(before) || DENIED.is_match(before);
                if !denied {
                    return Some(m.as_str().to_string());
                }
            }
            closes(s, 0)
        })
    })
}

/// Read a reply's newly written text, given where the case stands.
pub fn read_reply(text: &str, ctx: &ReplyContext) -> Reading {
    // Our words quoted above an interleaved answer, and what the sender
    // forwarded or attached, are not their request.
    let own = crate::core::classify::own_words(text);
    let text = own.as_str();
    let all = normalise(&fold_accents(before_history(text)));
    let reading = |intent, reason: String| Reading { intent, reason };
    // Read before any escalation cue: "2/5, not satisfied" answers the
    // survey; it is not a request to reopen a closed case. But one that
    // asks in so many words to take the complaint further is read as such
    // (a closed case's late escalation goes to a person): a survey answer
    // lost costs less than a request swallowed.
    // Our own sentences quoted back ('your email says "you can then ask
    // for Stage 2"') are not the writer's request.
    let kept = fold_accents(&without_sign_off(before_history(text)))
        .replace(['\u{201c}', '\u{201d}', '\u{201e}'], "\"");
    let kept = QUOTATION.replace_all(&kept, "$frame \"\"").into_owned();
    let sentences = sentences_of(&kept);
    let asks_further = || find(CueKind::Escalate, &sentences).is_some_and(|why| is_request(&why));
    if ctx.survey_asked && !asks_further() {
        if let Some(a) = super::survey::read_answer(before_history(text)) {
            let score = a.score.map(|s| format!("score {s}")).unwrap_or_default();
            let said = match a.satisfied {
                Some(true) => "satisfied",
                Some(false) => "not satisfied",
                None => "",
            };
            return reading(
                ReplyIntent::SurveyAnswer,
                format!(
                    "answers the satisfaction survey ({})",
                    [score.as_str(), said]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    if ctx.awaiting_consent {
        if let Some(m) = CONSENT.find(&all) {
            return reading(
                ReplyIntent::Consent,
                format!("gives consent ({})", quoted(m.as_str())),
            );
        }
    }
    if ctx.asked_permission {
        if let Some(m) = PERMISSION_NO.find(&all) {
            return reading(
                ReplyIntent::PermissionRefused,
                format!("refuses sharing ({})", quoted(m.as_str())),
            );
        }
        if let Some(m) = PERMISSION_YES.find(&all) {
            return reading(
                ReplyIntent::PermissionGranted,
                format!("allows sharing ({})", quoted(m.as_str())),
            );
        }
    }
    // Withdrawing is only a reading before the response: afterwards "please
    // close it" accepts the response (thanks). Read before a chase, since
    // "I've waited long enough, please withdraw it" asks for no news.
    if !ctx.responded {
        if let Some(why) = find(CueKind::Withdraw, &sentences) {
            return reading(ReplyIntent::Withdraw, why);
        }
    }
    // Before any response there is nothing to take further: "this is not
    // acceptable, when will I hear?" is impatience, a request for news.
    if !ctx.responded {
        if let Some(why) = find(CueKind::Chase, &sentences) {
            return reading(ReplyIntent::Chase, why);
        }
    }
    // Before a response there is no response to be unhappy with: "I'm
    // still not happy with the way he spoke to me" describes what happened.
    // Only a request to take it further is read as one (and goes to the
    // handler: there is nothing to escalate from yet).
    if let Some(why) =
        find(CueKind::Escalate, &sentences).filter(|why| ctx.responded || is_request(why))
    {
        // "I'm not happy it took a complaint… But I accept what you've
        // said": unhappiness with what happened, then words that accept the
        // response, is not a request; nor is it plain thanks. The handler
        // reads it (only a request in so many words escalates).
        if !is_request(&why) {
            if let Some(accepts) = accepted_after(&sentences) {
                return reading(
                    ReplyIntent::Unclear,
                    format!(
                        "{why}, but then accepts the response ({})",
                        quoted(&accepts)
                    ),
                );
            }
        }
        return reading(ReplyIntent::Escalate, why);
    }
    if let Some(why) = find(CueKind::NewMatter, &sentences) {
        return reading(ReplyIntent::NewMatter, why);
    }
    if let Some(why) = find(CueKind::Chase, &sentences) {
        return reading(ReplyIntent::Chase, why);
    }
    // Before the response, "thanks for confirming" above new information
    // is courtesy: the information is the point.
    let set_aside;
    let thanked: &[Said] = if ctx.responded {
        &sentences
    } else {
        set_aside = courtesy_set_aside(&sentences);
        &set_aside
    };
    // Before the response, "yes, that's fine" agrees with a handler's
    // question: it is part of an answer, not thanks for an outcome.
    let thanks = find_where(CueKind::Thanks, thanked, |words| {
        ctx.responded || !FINE.is_match(words)
    });
    if let Some(why) = thanks {
        // Thanks with a doubt or a question beside it is not plain satisfaction.
        return match doubt(&sentences) {
            Some(d) if ctx.responded => reading(
                ReplyIntent::Unclear,
                format!("{why}, but with a doubt ({})", quoted(&d)),
            ),
            _ => reading(ReplyIntent::Thanks, why),
        };
    }
    if ctx.responded {
        reading(
            ReplyIntent::Unclear,
            "after a response, with no request to take it further, no thanks and no request for news".into(),
        )
    } else {
        reading(
            ReplyIntent::Answer,
            "before the response, with no request for news, no thanks and no different matter: information for the handler".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AFTER: ReplyContext = ReplyContext {
        responded: true,
        asked_permission: false,
        awaiting_consent: false,
        survey_asked: false,
    };
    const BEFORE: ReplyContext = ReplyContext {
        responded: false,
        asked_permission: false,
        awaiting_consent: false,
        survey_asked: false,
    };

    fn after(t: &str) -> ReplyIntent {
        read_reply(t, &AFTER).intent
    }

    fn before(t: &str) -> ReplyIntent {
        read_reply(t, &BEFORE).intent
    }

    #[test]
    fn a_doubt_the_sentence_settles_is_no_doubt() {
        use ReplyIntent::*;
        for t in [
            "Thanks Sam. I'm annoyed it needed a complaint, but I'm happy with the answer.",
            "Not everything I wanted but I can see you tried. Thanks, I'll leave it there.",
            "Thanks. If the voucher doesn't come by Friday I'll ask for Stage 2, but hopefully it won't come to that.",
        ] {
            assert_eq!(after(t), Thanks, "{t}");
        }
        // A question is always open, hypothetical or not.
        assert_eq!(
            after("Thanks. If it goes wrong again, can I still go to Stage 2?"),
            Unclear
        );
    }

    #[test]
    fn questions_about_the_procedure_and_our_words_quoted_are_not_requests() {
        use ReplyIntent::*;
        assert_eq!(
            after("The complaint is about the manager herself. Does it still go to her, or does it go straight to Stage 2?"),
            Unclear
        );
        assert_ne!(
            before("Your letter says \"you can ask for your complaint to be considered at Stage 2\". I haven't had an answer at all. It was due on the 3rd."),
            Escalate
        );
        assert_eq!(
            before("Your letter says \"you can ask for your complaint to be considered at Stage 2\". I haven't had an answer at all. It was due on the 3rd."),
            Chase
        );
    }

    #[test]
    fn requests_questions_and_quotations_that_still_ask() {
        use ReplyIntent::*;
        for t in [
            "Would it be possible to take this to Stage 2 please?",
            "Should I take this to stage 2? I want to.",
            "I said at the meeting \"I want this escalated to stage 2\" and I still do.",
        ] {
            assert_eq!(after(t), Escalate, "{t}");
        }
        // Our words in curly quotes are ours too.
        assert_eq!(
            after("Your email said \u{201c}you can ask for a Stage 2 review within 20 days\u{201d}. I just wanted to say thanks for everything."),
            Thanks
        );
        // Settling words before the doubt do not settle it.
        assert_eq!(
            after("Thanks, I'm happy with the apology but I still don't understand why the fee was charged."),
            Unclear
        );
        // Past tense, or information, is no request and no chase.
        assert_eq!(
            after("Thank you. I see it has been considered at the formal stage now and I'm happy with the outcome."),
            Thanks
        );
        assert_eq!(
            after("Thanks for sorting this. The payment was due on the 5th and arrived today, so all good."),
            Thanks
        );
        assert_ne!(
            after("Your response says I was late, but that is nothing to do with the complaint."),
            NewMatter
        );
        for t in [
            "I was charged twice for the resit. Please cancel it and refund me.",
            "The fire door at the back is left open at night, please close it.",
            "I won't take this further if you refund me by Friday.",
        ] {
            assert_ne!(before(t), Withdraw, "{t}");
        }
    }

    #[test]
    fn courtesy_thanks_above_new_information_is_an_answer() {
        use ReplyIntent::*;
        assert_eq!(
            before("Thanks for confirming. I have attached the texts from my supervisor that show the dates were changed."),
            Answer
        );
        assert_eq!(before("Thanks for letting me know."), Thanks);
    }

    #[test]
    fn more_shapes_of_chases_new_matters_and_withdrawals() {
        use ReplyIntent::*;
        for t in [
            "Just following up on the refund you agreed. Nothing has come through yet.",
            "Still nothing from the assessor, and the date has come and gone.",
            "Could you let me know when Gwen will reply please?",
        ] {
            assert_eq!(before(t), Chase, "{t}");
        }
        assert_eq!(
            after("Thanks for sorting the travel money, but the £40 still hasn't arrived in my account."),
            Chase
        );
        assert_eq!(
            before("Something else has happened that is nothing to do with the parking issue: my marks were posted in the group chat. I want to complain about that separately."),
            NewMatter
        );
        assert_eq!(
            before("I've found another job now and I'm not going to take this any further, so you can close it."),
            Withdraw
        );
        assert_eq!(
            after("I'm afraid I don't feel the matter is resolved. Could my complaint be considered at the formal stage?"),
            Escalate
        );
        assert_eq!(
            after("I would therefore like to appeal against the decision."),
            Escalate
        );
        assert_eq!(
            after("Hoffwn i'r gwyn gael ei hystyried yng Ngham 2."),
            Escalate
        );
    }

    #[test]
    fn escalation_requests_in_many_languages() {
        for t in [
            "I am not satisfied because nobody has explained the fee.",
            "Thanks but this doesn't answer my question about the fee at all",
            "Sorry but this is not acceptable. I want to take this to stage 2.",
            "I want this taken further please, can someone senior look at it.",
            "Please treat this as a request for my complaint to be reviewed at the next stage.",
            "I wish to appeal this.",
            "This is unacceptable. Please escalate it.",
            "I want it escalated.",
            "I'm afraid I can't accept \"not upheld\" on this.",
            "Diolch am yr ymateb, ond dydw i ddim yn fodlon. Hoffwn i'r gŵyn fynd ymlaen i Gam 2.",
            "Nie jestem zadowolona z odpowiedzi i chcę się odwołać.",
            "Nu sunt mulțumit de răspuns.",
            "No estoy satisfecha con la respuesta, quiero pasar a la siguiente etapa.",
            "Não estou satisfeito com a resposta.",
            "Nao estou satisfeito com a resposta.",
            "Nie jestem zadowolony, chce sie odwolac.",
            "میں جواب سے مطمئن نہیں ہوں",
            "أنا غير راض عن الرد وأطلب التصعيد",
        ] {
            assert_eq!(after(t), ReplyIntent::Escalate, "{t}");
        }
    }

    #[test]
    fn a_quoted_question_above_an_answer_is_not_the_complainants_words() {
        let t = "> If you are not satisfied with this response, you can take your complaint to the next stage.\n\nThank you, that is all sorted now.\n\n> Would you like a call?\n\nNo need, thanks.";
        assert_eq!(after(t), ReplyIntent::Thanks);
    }

    #[test]
    fn forwarded_and_attached_words_are_evidence_not_a_request() {
        let t = "Here is what my employer sent me, thanks.\n\n--- forwarded ---\nI am not satisfied and want this escalated.";
        assert_eq!(after(t), ReplyIntent::Thanks);
        let t = "Thanks, see the attached letter.\n\n--- text from letter.pdf ---\nWe are not satisfied with the outcome.";
        assert_eq!(after(t), ReplyIntent::Thanks);
    }

    #[test]
    fn impatience_before_any_response_is_a_request_for_news() {
        for t in [
            "That was over a week ago and no-one has phoned. This is not acceptable.",
            "When will I actually get an answer? I'm not happy.",
            "Still waiting. I'm not happy with how this is being handled at all.",
        ] {
            assert_eq!(read_reply(t, &BEFORE).intent, ReplyIntent::Chase, "{t}");
            // After a response the same words are dissatisfaction with it.
            assert_eq!(read_reply(t, &AFTER).intent, ReplyIntent::Escalate, "{t}");
        }
    }

    /// Requests for someone else to look, in words other than "escalate"
    /// or "stage 2" (written for this test, not copied from a batch).
    #[test]
    fn oblique_requests_for_the_next_stage() {
        for t in [
            "I'm going to take this further, I'm afraid.",
            "Could my complaint be looked at by someone more senior please?",
            "I want this looked at again by somebody who wasn't involved.",
            "Please refer the matter to your director.",
            "Who is above you? I want them to read this.",
            "I would like a second opinion on this.",
            "I want a proper investigation, not a phone call.",
            "Please take this as my formal appeal.",
            "So how do I appeal?",
            "Next stage please.",
            "I don't agree with the outcome and I'm not accepting it.",
            "The learner's family remains dissatisfied.",
            "Não concordo com esta decisão.",
            "Proszę przekazać sprawę do następnego etapu.",
            "Vreau să fac apel.",
            "Yeh faisla theek nahi hai, isko aage le jaiye.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
    }

    /// Words the oblique cues share with replies that ask for nothing.
    #[test]
    fn look_alikes_of_oblique_requests_do_not_escalate() {
        for t in [
            "Thank you for agreeing to look at it again, that's all I wanted.",
            "I'm looking forward to the next stage of my apprenticeship.",
            "I sent the form to the manager on Monday.",
            "The tutor went further and rang my employer, which I appreciated.",
            "Thanks for the thorough investigation.",
            "I'll take it up with my employer myself, thanks.",
            "Thank you, I can see it was looked at by the manager and I'm happy now.",
            "Thanks. I'll speak to the manager at our site and come back to you.",
            "I'm hoping to go further with my course now this is sorted, thanks.",
            "Please send it to the manager at the site as well so she has a copy.",
            "I got a second opinion from my GP and it's fine.",
            "Dziękuję, egzamin został przełożony na poniedziałek.",
            "Mulțumesc, directorul m-a sunat ieri și totul e rezolvat.",
            "Obrigado, agora posso passar para a próxima etapa do meu curso.",
            "Maine manager se baat ki, sab theek hai.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_ne!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
    }

    #[test]
    fn past_tense_and_negated_requests_do_not_escalate() {
        for (t, want) in [
            (
                "Thanks for sorting this. All good now, no need to take it any further.",
                ReplyIntent::Thanks,
            ),
            (
                "I was not happy when the trainer did not turn up, and I was still not told why.",
                ReplyIntent::Unclear,
            ),
            (
                "I don't want to escalate it, thank you.",
                ReplyIntent::Thanks,
            ),
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, want, "{t}: {}", r.reason);
        }
        assert_eq!(
            read_reply(
                "The sessions were on 29 October. Nobody told me and I was unhappy.",
                &BEFORE
            )
            .intent,
            ReplyIntent::Answer
        );
    }

    #[test]
    fn chases_thanks_new_matters_and_unclear() {
        for (t, want) in [
            (
                "Hi, still waiting to hear back. Email said I'd get an answer today?",
                ReplyIntent::Chase,
            ),
            ("¿Hay alguna novedad sobre mi queja?", ReplyIntent::Chase),
            (
                "Any update on this? Still not been paid",
                ReplyIntent::Chase,
            ),
            (
                "Muito obrigada pela resposta. Está tudo resolvido.",
                ReplyIntent::Thanks,
            ),
            ("Dziękuję bardzo za odpowiedź.", ReplyIntent::Thanks),
            (
                "Vă mulțumesc foarte mult pentru răspuns.",
                ReplyIntent::Thanks,
            ),
            ("Diolch yn fawr am eich ymateb.", ReplyIntent::Thanks),
            ("شكرا جزيلا", ReplyIntent::Thanks),
            ("آپ کا بہت شکریہ", ReplyIntent::Thanks),
            (
                "The review went ahead, thank you. I have a different problem now though.",
                ReplyIntent::NewMatter,
            ),
            (
                "Thanks for your reply. I'm still not sure about the assessment though.",
                ReplyIntent::Unclear,
            ),
            ("ok", ReplyIntent::Unclear),
            ("What does partly upheld mean?", ReplyIntent::Unclear),
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, want, "{t}: {}", r.reason);
        }
    }

    #[test]
    fn a_sign_off_is_not_thanks_and_reasons_name_the_words() {
        let r = read_reply(
            "Yes still need it. Address is the same.\n\nThanks\nJosh",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Answer, "{}", r.reason);
        let r = read_reply("I would like to appeal please.", &AFTER);
        assert!(
            r.reason.contains("\"i would like to appeal\""),
            "{}",
            r.reason
        );
        assert_eq!(read_reply("Thanks!", &AFTER).intent, ReplyIntent::Thanks);
        // Welsh sign-offs: "thanks in advance" under a question is courtesy.
        for t in [
            "Oes modd newid dyddiad yr asesiad?\n\nDiolch ymlaen llaw,\nSiân",
            "Mae fy rhif ffôn wedi newid: 07700 900123.\n\nDiolch yn fawr iawn,\nGeraint",
            "Dyma'r dyddiadau sy'n gyfleus i mi: dydd Llun neu ddydd Mawrth.\n\nCofion cynnes,\nHuw",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::Answer, "{t}: {}", r.reason);
        }
        assert_eq!(
            read_reply("Diolch yn fawr iawn!", &AFTER).intent,
            ReplyIntent::Thanks
        );
    }

    /// Welsh replies are read as the English ones are (issue 15): the
    /// phrases a Welsh speaker writes, formal and spoken, with and without
    /// the circumflex, with curly apostrophes as phones type them.
    #[test]
    fn welsh_replies_are_read_as_english_ones_are() {
        for (t, want) in [
            (
                "Dydw i ddim yn fodlon gyda'r ymateb.",
                ReplyIntent::Escalate,
            ),
            ("Nid wyf yn fodlon â'r ymateb hwn.", ReplyIntent::Escalate),
            ("Nid yw hyn yn dderbyniol o gwbl.", ReplyIntent::Escalate),
            ("Rwyf am uwchgyfeirio'r gŵyn.", ReplyIntent::Escalate),
            ("Hoffwn i fynd â hyn i'r cam nesaf.", ReplyIntent::Escalate),
            (
                "Hoffwn fynd â’r gŵyn ymhellach, os gwelwch yn dda.",
                ReplyIntent::Escalate,
            ),
            (
                "Rydw i eisiau apelio yn erbyn y penderfyniad.",
                ReplyIntent::Escalate,
            ),
            ("Diolch, mae hynny wedi'i ddatrys.", ReplyIntent::Thanks),
            (
                "Diolch, mae’r mater wedi’i ddatrys erbyn hyn.",
                ReplyIntent::Thanks,
            ),
            (
                "Mae popeth yn iawn nawr, gallwch gau'r achos.",
                ReplyIntent::Thanks,
            ),
            ("Rwy'n fodlon gyda'r canlyniad.", ReplyIntent::Thanks),
            ("Unrhyw newyddion?", ReplyIntent::Chase),
            (
                "Just checking this hasn't been lost? The date above has passed.",
                ReplyIntent::Chase,
            ),
            ("Oes unrhyw ddiweddariad ar fy nghwyn?", ReplyIntent::Chase),
            ("Rwy'n dal i aros am ateb.", ReplyIntent::Chase),
            ("Dw i heb glywed dim byd eto.", ReplyIntent::Chase),
            ("Pryd fydda i'n cael ateb?", ReplyIntent::Chase),
            (
                "Mae gen i gwyn wahanol am rywbeth arall.",
                ReplyIntent::NewMatter,
            ),
            (
                "Nid oes angen mynd â hyn i'r cam nesaf, diolch.",
                ReplyIntent::Thanks,
            ),
            (
                "Dydw i ddim eisiau uwchgyfeirio, diolch.",
                ReplyIntent::Thanks,
            ),
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, want, "{t}: {}", r.reason);
        }
        let perm = ReplyContext {
            asked_permission: true,
            ..BEFORE
        };
        for (t, want) in [
            ("Cewch", ReplyIntent::PermissionGranted),
            ("Cewch, wrth gwrs.", ReplyIntent::PermissionGranted),
            ("Mae croeso i chi ei rannu.", ReplyIntent::PermissionGranted),
            ("Na chewch, diolch.", ReplyIntent::PermissionRefused),
            ("Dim diolch.", ReplyIntent::PermissionRefused),
            (
                "Peidiwch â'i rannu, os gwelwch yn dda.",
                ReplyIntent::PermissionRefused,
            ),
        ] {
            let r = read_reply(t, &perm);
            assert_eq!(r.intent, want, "{t}: {}", r.reason);
        }
        let consent = ReplyContext {
            awaiting_consent: true,
            ..BEFORE
        };
        for (t, want) in [
            (
                "Ydw, rydw i'n cytuno i chi ymchwilio.",
                ReplyIntent::Consent,
            ),
            (
                "Rwy'n rhoi fy nghaniatâd i'r ymchwiliad.",
                ReplyIntent::Consent,
            ),
            ("Dydw i ddim yn rhoi caniatâd i hyn.", ReplyIntent::Answer),
            ("Nid wyf yn cytuno â'r gŵyn.", ReplyIntent::Answer),
        ] {
            let r = read_reply(t, &consent);
            assert_eq!(r.intent, want, "{t}: {}", r.reason);
        }
    }

    #[test]
    fn a_survey_answer_is_recognised_and_never_escalates() {
        let asked = ReplyContext {
            survey_asked: true,
            ..AFTER
        };
        let r = read_reply("2 - not satisfied with how it was handled", &asked);
        assert_eq!(r.intent, ReplyIntent::SurveyAnswer, "{}", r.reason);
        assert!(!crate::core::case::escalates(r.intent));
        // A request in so many words to take it further is read as one
        // (a closed case's late escalation goes to a person).
        let r = read_reply("1 - not satisfied, I want to take this further", &asked);
        assert_eq!(r.intent, ReplyIntent::Escalate, "{}", r.reason);
        // Without the survey the same words escalate.
        assert_eq!(
            read_reply("1 - not satisfied, I want to take this further", &AFTER).intent,
            ReplyIntent::Escalate
        );
        // A reply that gives no score or satisfaction is read as before.
        assert_eq!(
            read_reply("I want to take this further.", &asked).intent,
            ReplyIntent::Escalate
        );
    }

    #[test]
    fn consent_and_permission_when_asked() {
        let perm = ReplyContext {
            asked_permission: true,
            ..BEFORE
        };
        assert_eq!(
            read_reply("Yes, happy for you to share it!", &perm).intent,
            ReplyIntent::PermissionGranted
        );
        assert_eq!(
            read_reply("I'd rather you didn't share it, thanks", &perm).intent,
            ReplyIntent::PermissionRefused
        );
        let consent = ReplyContext {
            awaiting_consent: true,
            ..BEFORE
        };
        assert_eq!(
            read_reply("I give my consent for the investigation. Lily", &consent).intent,
            ReplyIntent::Consent
        );
        assert_eq!(
            "new_matter".parse::<ReplyIntent>(),
            Ok(ReplyIntent::NewMatter)
        );
    }

    /// A request to withdraw, before the response: read as such (a handler
    /// confirms it); negated or after a response it is not one.
    #[test]
    fn withdrawal_requests_before_a_response() {
        for t in [
            "We sorted it out at work, so please withdraw my complaint.",
            "Could you withdraw it please? It's been dealt with.",
            "I no longer wish to pursue this and you can close it.",
            "Please cancel my complaint, I've moved away.",
            "Rwyf am dynnu fy nghwyn yn ôl.",
            "Chcę wycofać skargę.",
            "Quiero retirar mi queja.",
            "Gostaria de retirar a minha queixa.",
            "Vă rog să închideți plângerea.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::Withdraw, "{t}: {}", r.reason);
        }
        for t in [
            "I don't want to withdraw my complaint, I want an answer.",
            "If I withdraw my complaint will my grade change?",
            "I'll drop it off at reception on Monday. Any update on my complaint?",
            "The assessor told me to drop the complaint and stop making a fuss.",
            "I no longer want to continue on the course if nothing changes.",
            "I don't want to carry on with this apprenticeship if nothing changes.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_ne!(r.intent, ReplyIntent::Withdraw, "{t}: {}", r.reason);
        }
        // After the response, "please close it" accepts it.
        assert_eq!(
            after("Thanks, that's all fine, please close my complaint."),
            ReplyIntent::Thanks
        );
    }

    /// Before any response there is nothing to be unhappy with: the words
    /// describe what happened (or ask for news), and nothing escalates.
    #[test]
    fn unhappiness_before_a_response_is_not_dissatisfaction_with_one() {
        let r = read_reply(
            "It happened on the Tuesday. I'm still not happy about how the assessor spoke to me.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Answer, "{}", r.reason);
        let r = read_reply(
            "I'm not happy it is taking so long. Just let me know when I'll hear something.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Chase, "{}", r.reason);
    }

    /// More ways to ask for someone else to look (written for this test).
    #[test]
    fn requests_for_someone_outside_or_a_named_team() {
        for t in [
            "I'd like somebody who has no connection with the Swansea centre to look into this.",
            "Please could the quality team review it now.",
            "Not accepting that. Stage 2.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        for t in [
            "The quality team rang me yesterday, thanks.",
            "Stage 2 of my course starts in January, thanks.",
            "Thank you for the letter. I still need someone who doesn't work at my placement to sign my logbook.",
            "Thanks for the response. I would like the quality team to look at my timetable for next year.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_ne!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
    }

    /// Requests worded as someone else deciding, and their look-alikes: the
    /// writer's own side escalating, unhappiness beside acceptance (written
    /// for this test, in the shapes of the tenth blind batch).
    #[test]
    fn someone_else_to_decide_and_its_look_alikes() {
        for t in [
            "I would like the Director to see this, please.",
            "Can this go further please? I'd like someone else to review it.",
            "We would like this passed up to your Quality team as your procedure allows.",
            "With respect, I don't think you should be the one deciding this.",
            "Hoffwn i rywun uwch na chi edrych ar hyn, os gwelwch yn dda.",
            "Aș vrea ca altcineva, cu funcție mai mare, să se uite la plângerea mea.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        let r = read_reply(
            "The three apprentices are named below. I've had to escalate this internally to our Operations Director, but that's on our side.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Answer, "{}", r.reason);
        let r = read_reply(
            "It was the Tuesday. I told the supervisor I'd escalate it with my manager, which I did.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Answer, "{}", r.reason);
        // Unhappiness, then acceptance: the handler reads it (not thanks,
        // not a request).
        let r = read_reply(
            "I'm not happy that it took a formal complaint to get anyone to listen. But I accept what you've said. There's no need to escalate this any further.",
            &AFTER,
        );
        assert_eq!(r.intent, ReplyIntent::Unclear, "{}", r.reason);
        // Accepting an apology or an explanation is not accepting the
        // outcome; nor is a question or a refusal.
        for t in [
            "I accept the apology. I do not accept the outcome.",
            "I accept the explanation for the delay. This response is not good enough.",
            "I accept your apology. I am still not happy with the outcome.",
            "Why should I accept the decision when nobody spoke to me? I am not happy.",
            "I'm not happy with the outcome. I can't accept the decision.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        // Ordinary requests that pass something on or move a date.
        for t in [
            "Thank you for agreeing the refund. Could it go on my original card?",
            "Thank you for agreeing the refund. I'd like it sent to the account I paid from.",
            "Thank you so much. Could this please be passed on to Sarah, she was brilliant.",
            "I would like it passed on to the tutor that I was really pleased with the outcome.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_ne!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        for t in [
            "Could it be moved on a week?",
            "I'd like someone else to deal with this for me. My sister Jane will be in touch.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_ne!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        // Asking us to escalate "internally", to an account manager, or
        // taking it to an MP is not the writer's own side.
        for t in [
            "I'd like this escalated internally to your Director.",
            "We would like this escalated to our account manager at Pareto.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        // Accepting part of it while asking in so many words still asks.
        let r = read_reply(
            "I accept the apology. I still want this taken to Stage 2.",
            &AFTER,
        );
        assert_eq!(r.intent, ReplyIntent::Escalate, "{}", r.reason);
    }

    /// Withdrawals, news, new matters and answers in shapes the cues did
    /// not read before (written for this test).
    #[test]
    fn withdrawals_chases_new_matters_and_answers_of_the_tenth_batch() {
        for t in [
            "I've decided to withdraw my appeal. I've been offered a place elsewhere.",
            "Finalement, je voudrais retirer ma plainte.",
            "Honestly I'd rather leave it now. Can we just close it?",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::Withdraw, "{t}: {}", r.reason);
        }
        let r = read_reply(
            "He said he would write within a week. I have not received anything. Could somebody let me know where things are, please.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Chase, "{}", r.reason);
        let r = read_reply(
            "I'll send the dates tomorrow. It's not about my complaint but I need to tell someone what a girl in my group told me.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::NewMatter, "{}", r.reason);
        for t in [
            "Yes that's fine, her name is Joanne Price.",
            "No, I don't want to appeal the grade. I passed, that's fine.",
            "Thank you for explaining. I have attached the consent form my grandson has signed.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::Answer, "{t}: {}", r.reason);
        }
        // A leading "that's fine" does not hide the thanks after it.
        let r = read_reply(
            "That's fine, thank you so much for sorting it out.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::Thanks, "{}", r.reason);
        let r = read_reply("Labai ačiū už atsakymą. Viskas gerai.", &AFTER);
        assert_eq!(r.intent, ReplyIntent::Thanks, "{}", r.reason);
    }

    /// The eleventh batch's causes, in other words and languages (written
    /// for this test): a formal stage or someone else asked for, an appeal
    /// lodged for someone, a polite formula that holds an "if", withdrawals
    /// worded as not going ahead, and closing words that settle a doubt.
    #[test]
    fn requests_withdrawals_and_closings_of_the_eleventh_batch() {
        for t in [
            "Can my complaint move to the formal stage now, please.",
            "I would like my complaint to proceed to Stage 2.",
            "Would it be possible for someone more senior to review the decision?",
            "I was wondering if you could ask somebody independent to look at my complaint again.",
            "Please accept this email as my son's formal appeal.",
            "He does not accept the outcome and wishes to appeal against the decision.",
            "I'd ask that my complaint is now considered formally.",
            "I don't think the main issue I raised has been addressed at all.",
            "Your letter hasn't fixed the problem.",
            "Quisiera que alguien distinto revisara la decisión.",
            "Gostaria que outra pessoa analisasse a minha queixa.",
            "Chciałabym, żeby ktoś inny rozpatrzył moją skargę.",
            "Je voudrais que quelqu'un d'autre examine ma plainte.",
            "Hoffwn i'r mater gael ei drin yn ffurfiol, os gwelwch chi'n dda.",
            "Dydw i ddim yn credu bod y broblem wedi'i datrys.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        // Wondering about it is not asking; a question about the formal
        // stage is not asking for it.
        for t in [
            "I'm wondering whether to take it further, I'll let you know.",
            "Thanks. It took a formal complaint to get here, but I'm pleased it got sorted.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_ne!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        for t in [
            "On reflection I'd prefer not to pursue it any further.",
            "Could we leave it at that, please?",
            "My daughter no longer wants to go ahead with the complaint.",
            "I don't want to continue with it now, as I've found another course.",
            "Rwyf am dynnu'r gŵyn yn ôl, os gwelwch yn dda.",
            "Ya no quiero seguir con la queja.",
            "Nie chcę dalej ciągnąć tej sprawy.",
            "Je ne souhaite plus poursuivre.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::Withdraw, "{t}: {}", r.reason);
        }
        // "If that's ok" asks politely; it is not a condition.
        assert_eq!(
            before("I'd rather not take this any further if that's ok."),
            ReplyIntent::Withdraw
        );
        for t in [
            "Completely separate matter: the fire door on the first floor is propped open every day.",
            "Separately, I'd like to report how the tutor spoke to another learner.",
        ] {
            let r = read_reply(t, &BEFORE);
            assert_eq!(r.intent, ReplyIntent::NewMatter, "{t}: {}", r.reason);
        }
        // Told about a right, or sending a report, is neither.
        let r = read_reply(
            "I know I have the right to appeal against the decision.",
            &BEFORE,
        );
        assert_ne!(r.intent, ReplyIntent::Escalate, "{}", r.reason);
        let r = read_reply("Separately, I've attached the report from my GP.", &BEFORE);
        assert_eq!(r.intent, ReplyIntent::Answer, "{}", r.reason);
        for t in [
            "I'd like this looked at by someone new, so please pass it on.",
            "Please have it reviewed by somebody independent.",
        ] {
            let r = read_reply(t, &AFTER);
            assert_eq!(r.intent, ReplyIntent::Escalate, "{t}: {}", r.reason);
        }
        let r = read_reply(
            "Something completely different: the car park barrier is broken.",
            &BEFORE,
        );
        assert_eq!(r.intent, ReplyIntent::NewMatter, "{}", r.reason);
        // Closing words settle a doubt before them, in the sentence or
        // after it; a question stays open.
        for t in [
            "I'm not convinced by all of it, but I haven't got time for this. Please close the complaint.",
            "Not what I hoped for, though I don't have the energy to argue, so you can close it.",
        ] {
            assert_eq!(after(t), ReplyIntent::Thanks, "{t}");
        }
        assert_eq!(
            after("I'm not convinced by all of it. You can close it? Or should I wait?"),
            ReplyIntent::Unclear
        );
        // Unhappiness, then words that close it: the handler reads it, it
        // never escalates.
        let r = read_reply(
            "I'm not satisfied with how it was handled, but I won't be taking it any further.",
            &AFTER,
        );
        assert_eq!(r.intent, ReplyIntent::Unclear, "{}", r.reason);
    }
}
