//! Classification of a person's message: complaint, compliment, comment or
//! other (enquiry), with flags, and the reasons a handler can read.
//!
//! Rule-based and explainable on purpose: every point of score comes from a
//! named cue that is recorded in `reasons`. Only the newly written text drives
//! the label: quoted history, signatures and legal disclaimers are removed
//! first (see [`super::quote`]); forwarded text counts at reduced weight.

use super::learned;
use super::mail::InboundMail;
use super::quote::{self, HistoryKind};
use super::screen::screen;
use super::text::{cut_bytes, normalise};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// What kind of message this is (DESIGN §2.3 plus the three machine kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An expression of dissatisfaction that requires a response.
    Complaint,
    /// Praise.
    Compliment,
    /// A suggestion.
    Comment,
    /// Anything else from a person: an enquiry, a request, spam.
    Other,
    /// An automatic reply (out of office, auto-acknowledgement, read receipt).
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// Bulk, list or marketing mail.
    Bulk,
}

impl Kind {
    /// All kinds, in a fixed order.
    pub const ALL: [Kind; 7] = [
        Kind::Complaint,
        Kind::Compliment,
        Kind::Comment,
        Kind::Other,
        Kind::AutoReply,
        Kind::Bounce,
        Kind::Bulk,
    ];

    /// The label used in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Compliment => "compliment",
            Kind::Comment => "comment",
            Kind::Other => "other",
            Kind::AutoReply => "auto_reply",
            Kind::Bounce => "bounce",
            Kind::Bulk => "bulk",
        }
    }

    /// Machine mail: never opens a case, never answered.
    pub fn is_machine(self) -> bool {
        matches!(self, Kind::AutoReply | Kind::Bounce | Kind::Bulk)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown kind or flag name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} {name:?}")]
pub struct UnknownName {
    /// "kind" or "flag".
    pub what: &'static str,
    /// What was given.
    pub name: String,
}

impl FromStr for Kind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase().replace('-', "_"))
            .ok_or_else(|| UnknownName {
                what: "kind",
                name: s.to_string(),
            })
    }
}

/// Flags that change how the procedure runs a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A risk to a learner's or anyone's welfare: goes to the head of quality at once.
    Safeguarding,
    /// A health and safety risk.
    HealthSafety,
    /// The writer withholds their identity: held for a director's decision.
    Anonymous,
    /// Written on behalf of a learner (parent, employer): needs the learner's consent.
    OnBehalf,
    /// Disputes an assessment decision: redirected to the appeals procedure.
    AssessmentAppeal,
    /// About subcontracted provision: goes to the head of contracts.
    Subcontractor,
    /// About the complaint handler or a manager: must go to someone else.
    StaffSubject,
}

impl Flag {
    /// All flags.
    pub const ALL: [Flag; 7] = [
        Flag::Safeguarding,
        Flag::HealthSafety,
        Flag::Anonymous,
        Flag::OnBehalf,
        Flag::AssessmentAppeal,
        Flag::Subcontractor,
        Flag::StaffSubject,
    ];

    /// The label used in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Safeguarding => "safeguarding",
            Flag::HealthSafety => "health_safety",
            Flag::Anonymous => "anonymous",
            Flag::OnBehalf => "on_behalf",
            Flag::AssessmentAppeal => "assessment_appeal",
            Flag::Subcontractor => "subcontractor",
            Flag::StaffSubject => "staff_subject",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flag {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flag::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase().replace('-', "_"))
            .ok_or_else(|| UnknownName {
                what: "flag",
                name: s.to_string(),
            })
    }
}

/// The classifier's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The label.
    pub kind: Kind,
    /// Flags, sorted.
    pub flags: BTreeSet<Flag>,
    /// Why, in words a handler can read.
    pub reasons: Vec<String>,
}

/// Organisation-specific hints (from config): names of subcontracted
/// partners and of staff who handle complaints, which sharpen two flags.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// Names of subcontracted training partners, e.g. "Pennine Skills Partnership".
    pub subcontractors: Vec<String>,
    /// Names of complaint handlers and managers (for `staff_subject`).
    pub handler_names: Vec<String>,
    /// The organisation's own mailbox addresses.
    pub own_addresses: Vec<String>,
    /// The learned layer's model (the shipped one unless the organisation
    /// has refitted it with its corrections).
    pub learned: super::learned::Learned,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Complaint,
    Compliment,
    Comment,
    Other,
}

struct Cue {
    class: Class,
    weight: f32,
    name: &'static str,
    re: Regex,
}

fn cue(class: Class, weight: f32, name: &'static str, pattern: &str) -> Cue {
    Cue {
        class,
        weight,
        name,
        re: Regex::new(pattern).expect("static lexicon regex"),
    }
}

/// The weighted lexicon. Patterns run on normalised text (lower case, ASCII
/// quotes). English and Welsh; weights were set on the project's own cases and
/// checked against the shared corpus, not fitted to it.
static LEXICON: LazyLock<Vec<Cue>> = LazyLock::new(|| {
    use Class::*;
    vec![
        // --- complaint: explicit ---
        cue(
            Complaint,
            4.0,
            "says it is a complaint",
            r"\b(make|making|raise|raising|lodge|lodging|submit|file|register) (a |an |this )?(formal |official )?complaint|\bformal complaint\b|\b(want|wish|like|writing|write|writing for|writing to|emailing to|need) to complain\b|\bwriting (for|to) complain|\bi(?: am|'m) complaining\b|\bmy complaint (is|about)|\bcomplaint about (my|the|your|our|how)|\bcomplain about\b",
        ),
        cue(
            Complaint,
            4.0,
            "says it is a complaint (Welsh)",
            r"\bcwyn\b|\bcwyno\b|\bgwyn ffurfiol\b",
        ),
        // --- complaint: dissatisfaction ---
        cue(
            Complaint,
            3.0,
            "expresses dissatisfaction",
            r"\b(not|never|far from|less than) (at all )?(happy|satisfied|pleased|impressed)\b|\bunhappy\b|\bdissatisf|\bfed up\b|\bunacceptable\b|\bnot acceptable\b|\bappall|\bdisgust|\bdisgrace|\bshocking\b|\bridiculous\b|\boutrag|\bfurious\b|\bangry\b|\bsick (and tired|of)\b|\blet down\b|\b(not|isn'?t|is not|wasn'?t|was not) good enough\b|\b(close to|thinking (of|about)|about to) (giving up|give up|quitting|leaving|dropping out)|\bgiving up on\b|\bpoor (service|communication|standard)|\bunprofessional\b|\bterrible\b|\bawful\b|\bdreadful\b|\bjoke\b.{0,20}\b(service|this)",
        ),
        cue(
            Complaint,
            2.5,
            "politely disappointed",
            r"\bdisappoint(ed|ing|ment)\b|\bconcerned (about|that)\b|\bnot (really |quite )?what (i|we) (expected|were promised|was promised)",
        ),
        cue(
            Complaint,
            3.0,
            "expresses dissatisfaction (Welsh)",
            r"\b(siomedig|anfodlon|annerbyniol|siom|anhapus)\b|\bddim yn (hapus|fodlon)\b",
        ),
        cue(
            Complaint,
            1.0,
            "upset",
            r"\b(upset(ting)?|distress(ed|ing)|in tears|anxious|stressed|frustrat(ed|ing)|exposed|humiliat\w*|embarrass(ed|ing)|belittl\w*|worried)\b",
        ),
        // --- complaint: something went wrong (each distinct cue counts) ---
        cue(
            Complaint,
            1.2,
            "something was cancelled or missed",
            r"\b(cancell?ed|cancell?ing|rebooked|rescheduled|moved at the last minute|last[- ]minute|missed|no-?show|didn'?t (come|turn up|show)|never (came|turned up|showed)|not turned up|hasn'?t turned up|has not turned up|(no ?one|nobody) (came|turned up|showed))\b",
        ),
        cue(
            Complaint,
            1.2,
            "something was lost or wrong",
            r"\b(lost|missing|disappeared|gone missing|never (received|arrived|got it|had)|only (seen|had|met|heard from) [^.]{0,30}\bonce|not (her|his|my|our|their) fault|wrong|incorrect|mistakes?|error|inaccurate|spelt wrong|mix-?up|broken|faulty|not working|doesn'?t work|out of order|failed to)\b",
        ),
        cue(
            Complaint,
            1.2,
            "no reply or action",
            r"\b(no (reply|response|answer|call back|callback|explanation|one rang|one replied|one got back)|(not|never|hasn'?t|haven'?t|ain'?t|aint|didn'?t) (been )?(replied|responded|rang|called|got back|heard|returned|had)|(nobody|no ?one) (has )?(replied|rang|called|got back|contacted|thought to|bothered|told|tells|informed|explained)|nothing (has |ever )?(changed|happened|else happens|happens|gets done|is done|has been done|was done)|(still|yet to) (not|no|waiting|haven'?t|hasn'?t|had)|waiting (over|for over|since|for (weeks|months|ages))|chas(ed|ing)|ignored|fobbed off|been told to|told (it|to) (is|was|has)|keep(s)? (going|getting) (missing|lost|cancelled))\b",
        ),
        cue(
            Complaint,
            1.2,
            "delay or money problem",
            r"\b(delay(ed|s)?|postponed|late|behind (on|with)|fall(ing)? behind|weeks? behind|owed|overcharged|charged|not (been )?paid|only been paid|invoice|refund|co-investment)\b",
        ),
        cue(
            Complaint,
            1.5,
            "describes poor treatment",
            r"\b(rude|rudely|unprofessional|laughed at|(makes?|making|made) comments|shout(ed|s|ing)? at|belittl\w*|favou?rs (the|some)|favouritism|humiliat\w*|dismissive|impatient|cut me off|snapped at|talked down|patroni[sz]|treated (me|us|him|her|them) (badly|unfairly|differently|like)|comments about my (body|appearance)|(don'?t|doesn'?t|do not) feel safe|feel(s)? unsafe|bully|bullied|bullying|harass\w*|picking on|keep my head down|discriminat\w*|racist|sexist)\b",
        ),
        cue(
            Complaint,
            1.5,
            "asks why something went wrong",
            r"(^|[.?!] )(why|who exactly|how come) (has|have|hasn'?t|haven'?t|is|isn'?t|was|wasn'?t|did|didn'?t|does|doesn'?t|do|don'?t|are|aren'?t|were|weren'?t|can'?t|won'?t|is it|on earth)\b|\b(who|what) (exactly|on earth)\b",
        ),
        cue(
            Complaint,
            0.8,
            "says it is urgent",
            r"\b(urgent(ly)?|asap|as soon as possible|immediately)\b",
        ),
        cue(
            Complaint,
            1.2,
            "a promise was not kept",
            r"\b(was|were|been) (told|promised|assured|informed)\b[^.?!]{0,80}\b(would|will|should)\b|\bwe were promised\b|\bas promised\b",
        ),
        cue(
            Complaint,
            3.0,
            "wants to appeal a decision",
            r"\b(want|wish|like|would like|intend) to appeal\b|\bappeal (the|my|against (the|my)) (result|grade|decision|mark|outcome)",
        ),
        cue(
            Complaint,
            1.0,
            "said it happened again",
            r"\b(again|twice|second time|third time|fourth (one|time)|(two|three|four|five|several|many|2|3|4|5) (times|coaches|assessors|tutors)|every time|keeps? (happening|getting|going)|repeated(ly)?)\b",
        ),
        // --- complaint: wants a response ---
        cue(
            Complaint,
            2.0,
            "asks for an explanation or action",
            r"\b(?:(?:i|we)(?:'d| would| do| really)? |and )(?:want|like|expect|need|demand|am asking|ask|are asking) (to know|an? (proper |full |written |formal )?(explanation|answer|response|apology|refund|reply)|someone (to|from)|this (to be )?(looked|sorted|resolved|investigated|dealt)|it (reviewed|investigated|looked)|a (new|different) (coach|assessor|tutor|date)|to be moved|a corrected|confirmation|reassurance|a firm)|\bwhat (are you|is|will|you are|is going to be|will be) (going to )?(do|be done|done)|\bwhat (you are|you're) going to do|\b(explain|tell me|let (me|us) know) (why|how|what happened|when)|\bhow (was|is|did|has) this (allowed|happen|possible)|\bcan (someone|somebody|you) (please )?(actually )?(look into|ring|call|help|sort|contact|do something|explain|answer)|\b(look(ed)? into (this|it)|sort(ed)? this|do something about|put (this|it|things) right)\b|\bare you (actually )?going to\b|\bplease do something\b|\b(?:i|we)(?:'d| would) appreciate (a|an|some) (call|reply|response|explanation|update|answer)|\b(please )?(can|could) (this|it) (please )?be (fixed|sorted|resolved|looked at|put right)|\bbefore (someone|somebody|anyone) (is|gets) (hurt|injured)|\b(grateful|appreciate it) if you (could|would) (look into|investigate|explain|sort)|\bas a matter of urgency\b|\bprosz(e|ę) o (kontakt|wyja(s|ś)nienie|odpowied(z|ź))|\bpor favor (expl(i|í)quen|cont(a|á)ctenme)|\bmerci de (m'expliquer|me (contacter|r(e|é)pondre))|\b(hope|wish|want) (someone|somebody) (does|will do|to do|would do) something|\bsomeone (is going to|will) get hurt|\b(hoffwn|dw i eisiau|rwyf eisiau) (gael )?esboniad|\besboniad\b",
        ),
        cue(
            Complaint,
            1.5,
            "sarcasm",
            r"^(oh |well |so )?(great|brilliant|fantastic|wonderful|perfect|lovely|marvellous|excellent|well done|nice one)[,.!]+ (another|yet another|again|more|my|the|your|so|now)\b|\b(brilliant|great|fantastic|excellent|amazing|wonderful) (service|job|work)[.!]+ (that'?s|this is|another|again|what)|\bthank(s| you) for finally\b|\bshall i just\b|\b(cheers|thanks) for nothing\b|\bnot that (anyone|you) (cares|care|will)",
        ),
        // --- compliment ---
        cue(
            Compliment,
            3.0,
            "says thank you for something",
            r"\b(want(ed)?|would like|'d like|wish|just|writing|like) to (say|pass on|send|give|share|offer|express|drop you a line)( a| my| our)? ?(huge|big|massive|proper|special|heartfelt|sincere|great)? ?(thank|thanks|well done|praise|appreciation|gratitude|how (impressed|grateful|pleased))|\b(massive|huge|big|special|sincere|heartfelt|proper|enormous) (thank|thanks)|\bthank you (so much|very much)? ?(to|for all|for everything|for your (help|support|patience))|\bpass on (my|our) (thanks|gratitude|appreciation)|\bthanks to (everyone|all|the)\b|\bopposite of a complaint\b|\b(could|can|please) you (pass|send) (this|my thanks|our thanks) on|\bpass this on to\b",
        ),
        cue(
            Compliment,
            3.0,
            "says thank you (Welsh)",
            r"\bdiolch (o galon|yn fawr( iawn)?|i bawb|i chi am)\b|\bdiolch i\b",
        ),
        cue(
            Compliment,
            1.0,
            "thanks",
            r"\b(thank you|thanks|thank-you|thx|diolch)\b",
        ),
        cue(
            Compliment,
            1.0,
            "praise",
            r"\b(brilliant|amazing|excellent|fantastic|outstanding|superb|wonderful|incredible|star|lovely|so kind|very kind|patient|helpful|supportive|flexible|impressed|impressive|grateful|appreciated|appreciate it|made a (huge|big|real) difference|above and beyond|couldn'?t have done it without|wouldn'?t have (done|passed|got|managed|finished)|spot on|credit to|genuinely useful|really useful|so helpful|very helpful|recommend(ing)?|a pleasure|first class|top notch|gwych|ardderchog|arbennig|caredig|cefnogaeth|fyddwn i ddim wedi llwyddo)\b",
        ),
        cue(
            Compliment,
            2.5,
            "says something was good",
            r"\b(wanted|want|just|note|line|writing) to (let you know|say|tell you)\b[^?]{0,80}\b(excellent|great|brilliant|fantastic|amazing|impressed|superb|outstanding|wonderful|valued|appreciated|grateful|lovely|helpful|really good|so good|pleased)\b|\bsay how much (i|we) ('ve |have )?(valued|appreciated|enjoyed)|\b(would(n'?t)?|could(n'?t)?) have (got|done|made|managed|passed|finished|got there)\b[^.]{0,40}\bwithout (her|him|you|them|your)\b|\bkeep (it|up the good work)\b|\bwell done\b|\bmade time for me\b",
        ),
        cue(
            Compliment,
            3.0,
            "commends someone",
            r"\b(commend|praise|compliment) (your|the|to|for|on|my|our|mr|mrs|ms|miss|dr)\b|\b(want|wish|like) to (commend|praise|compliment)\b",
        ),
        cue(
            Compliment,
            2.0,
            "wants the person told",
            r"\bplease (make sure|let) (he|she|they|him|her|them|the team) knows?\b|\bplease (pass|say|tell) (this|it|that|my|to)\b|\bwanted you to know\b|\bfeel free to share\b|\bhappy for you to share\b|\b(it was|was|were) (noticed and )?(really |much |greatly |very much |so )?appreciated\b|\bdeserves? (a|to be) (recognised|mention|praise)",
        ),
        cue(
            Compliment,
            0.5,
            "good news",
            r"\b(passed|distinction|achieved|got my|finished my|completed my|newydd orffen)\b",
        ),
        // --- comment ---
        cue(
            Comment,
            2.5,
            "makes a suggestion",
            r"\b(suggestion|suggestions|suggest|suggesting|idea|just a thought|offer (some|a little|my) feedback|(could|would) (benefit from|be improved)|could have been (more|better)|i hope (this|that) (is|was|'s) (helpful|useful)|hope (this|that)('s| is) (helpful|useful)|a thought|thoughts on|food for thought|a couple of thoughts|one thing that would help|small thing|awgrym|syniad)\b",
        ),
        cue(
            Comment,
            2.0,
            "says what would help",
            r"\b(would|could|it'?d|wud|might) (really |also |definitely )?(help|be (so |really |even |very |much |a lot )?(great|good|gd|nice|helpful|useful|better|handy|brilliant|easier|ideal|fab|lovely))\b|\bwould it be possible\b|\bcould (you|assessors|we|someone|the team) (think about|consider|maybe|perhaps|also|look at adding)|\b(maybe|perhaps) (a|an|make|you|the|add|have|send|consider|worth|new|learners|we|it|they|there)\b|\bmight be worth|\bworth (mentioning|considering|thinking)|\bhave you (thought|considered)|\bhow about\b|\bi wondered if you could|\bit would help to\b|\bnot urgent\b|\bjust something (that|to)\b|\bfor what it'?s worth\b|\bbyddai'n (wych|dda|help)",
        ),
        cue(
            Comment,
            2.0,
            "expects no reply",
            r"\bno need to (reply|respond|get back)|\bdon'?t need (a|to) (reply|respond)|\bno reply (needed|necessary|required)|\bdim angen ateb",
        ),
        cue(
            Comment,
            2.5,
            "says it is not a complaint",
            r"\b(this |it )?(isn'?t|is not|'s not|wasn'?t|not) (really |meant as |intended as )?(a|an) (complaint|problem)|\bnot complaining\b|\brather than (anything|something) (being )?wrong|\bnothing (is |was )?wrong\b|\bwasn'?t a big deal|\bno big deal|\bnot a big deal",
        ),
        // --- other languages our users' correspondents write in (cues only:
        // the structure rules above stay English/Welsh) ---
        cue(
            Complaint,
            4.0,
            "says it is a complaint (other language)",
            r"\b(skarga|skargę|reklamacj\w*|plângere|plangere|reclamați\w*|reclamati\w*|queja|reclamación|reclamacion|reclamação|reclamacao|plainte|réclamation|beschwerde|reclamo|reklamace|sťažnosť|skundas|sūdzība|şikayet|sikayet)\b",
        ),
        cue(
            Complaint,
            2.5,
            "expresses dissatisfaction (other language)",
            r"\b(niezadowolon\w*|nie jestem zadowolon\w*|nemulțumit\w*|nemultumit\w*|insatisfech\w*|no estoy (contento|contenta|satisfech\w*)|insatisfeit\w*|mécontent\w*|pas (content|satisfait)\w*|unzufrieden|enttäuscht|insoddisfatt\w*|deluso|delusa|memnun değil\w*)\b",
        ),
        cue(
            Compliment,
            2.0,
            "says thank you (other language)",
            r"\b(dziękuję|dziekuje|bardzo dziękuję|mulțumesc|multumesc|muchas gracias|gracias|muito obrigad[oa]|obrigad[oa]|merci beaucoup|vielen dank|herzlichen dank|grazie mille|děkuji|ďakujem|teşekkür)\b",
        ),
        cue(
            Comment,
            2.0,
            "makes a suggestion (other language)",
            r"\b(sugestia|sugestie|sugerencia|sugestão|sugestao|suggestion|vorschlag|suggerimento|propozycja|návrh|öneri)\b",
        ),
        // --- other: enquiry or request ---
        cue(
            Other,
            1.5,
            "asks a question or for information",
            r"\b(could|can|would) you (please )?(send|tell|let me know|give|provide|confirm|advise)|\bdo you (have|offer|run|do|provide)\b|\bare you open|\b(is|will) (the|your) .{0,40} (be )?open|\bopening (times|hours)|(^|[.?!] )how (does|do|much|long|many|would)\b|\bwhat (are|is) the (next steps|cost|process|fee)|\b(i'?m|we'?re|we are|i am) (looking|interested) (at|in|into)|\benquir(y|ies|e|ing)\b|\bbrochure|\bprospectus|\bcourse (list|information|details)|\binformation (about|on)\b|\bany (information|advice)\b|\ba few questions|\bquestions?:|\bcan existing|\bis it possible to\b|\boes gennych chi|\bbeth yw'r camau|\bymholiad|\bhoffwn wybod|\ba oes\b|\bpryd mae|\bgyrsiau\b|\ba allech chi|\bgwybodaeth am|\bczy (mogę|moge|można|mozna)|\bpuede(n)? (enviarme|decirme)|\bpourriez-vous|\bkönnten sie",
        ),
        cue(
            Other,
            4.0,
            "looks like phishing",
            r"\bverify your (account|identity|email|mailbox)|\bstorage (limit|quota)|\bmailbox (is )?(full|quota)|\bincrease (your )?(storage|quota)|\baccount (will be )?(suspended|deactivated|closed)|\bpassword (expires|expiry|will expire)|\bconfirm your (password|credentials)",
        ),
    ]
});

static ANON_SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*(a|an) (learner|apprentice|parent|student|worried \w+|concerned \w+|employee)\s*$")
        .expect("static regex")
});
static NEGATED_COMPLAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(this |it )?(isn'?t|is not|'s not|wasn'?t|not) (really |meant as |intended as )?(a|an) complaint|\bopposite of a complaint|\bnot complaining\b|\bnot (making|raising) a complaint").expect("static regex")
});
static SUBJECT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rv|ynt|tr|r|enc|doorst|vb)(\[\d+\])?\s*:\s*)+",
    )
    .expect("static regex")
});
static FORWARD_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(fw|fwd|wg|tr|rv|doorst|vb|vs)\s*:").expect("static regex")
});

/// Flag cues: (flag, reason, pattern).
static FLAG_CUES: LazyLock<Vec<(Flag, &'static str, Regex)>> = LazyLock::new(|| {
    let f = |flag, why, p: &str| (flag, why, Regex::new(p).expect("static flag regex"));
    vec![
        f(
            Flag::Safeguarding,
            "describes a risk to someone's welfare",
            r"\b(bully|bullied|bullying|harass\w*|harassment|harassed|abuse|abused|abusive|assault|assaulted|pushed (her|him|me|them)|hit (her|him|me)|grooming|self-?harm|suicid\w*|exploited|exploitation|radicali[sz]\w*|neglect|sexual|inappropriate (touching|comments|messages|relationship)|comments about my (body|appearance)|stood (really |very )?close|wouldn'?t (let me|move)|(don'?t|doesn'?t|do not|does not|didn'?t) feel safe|feel(s|ing)? unsafe|not safe (being|around|with)|scared of|afraid of|threaten(ed|ing|s)? (me|her|him|them|to (hurt|hit|harm|kill|beat))|threats? of violence|intimidat\w*|posted (pictures|photos)|nasty comments|cries|crying|safeguarding|diogelu|bwlio)\b",
        ),
        f(
            Flag::HealthSafety,
            "describes a health and safety risk",
            r"\b(health (and|&) safety|fire (door|exit|escape|alarm|extinguisher)|eye ?wash|first aid (kit|box|supplies)|no first aider|bare (wires|conductors)|exposed (wires|conductors|cables)|live (wires|cables)|electric(al)? shock|trip hazard|hazard|ppe\b|protective (equipment|gear)|unsafe (equipment|workshop|machine|building|conditions)|get(ting)? hurt|injur|accident|asbestos|gas leak|ventilation|fumes|iechyd a diogelwch)",
        ),
        f(
            Flag::Anonymous,
            "withholds their name",
            r"\b(not going to (give|say|put) my name|(don'?t|do not|won'?t|will not|rather not) (want to )?(give|say|put|share|leave) my name|withhold(ing)? my name|anonymous(ly)?|without giving my name|they will know it was me|not giving my name|heb roi fy enw|yn ddienw)\b",
        ),
        f(
            Flag::OnBehalf,
            "writes on behalf of a learner",
            r"\b(on behalf of|my (daughter|son|child|grandson|granddaughter|nephew|niece|stepson|stepdaughter|ward|foster child)\b.{0,80}\b(is|who'?s|who is|aged|she'?s|he'?s|age) (1[4-7]|fourteen|fifteen|sixteen|seventeen)|helping (her|him|them) (to )?write|i am writing about my (daughter|son|child)|writing on (his|her|their) behalf|(our|my) apprentice\b.{0,60}\b(who is|is|aged) (1[5-7]|sixteen|seventeen)|see below from (our|my) (apprentice|learner|daughter|son)|vulnerable adult|(she|he) (asked|wants) me to (write|email|contact)|knows i am writing|i said i would email|ar ran fy (merch|mab))",
        ),
        f(
            Flag::AssessmentAppeal,
            "disputes an assessment decision",
            r"\b(re-?mark(ed|ing)?|regrade|re-?grade|grading decision|assessment decision|grade (was|is) (wrong|unfair|incorrect)|(don'?t|do not|didn'?t|did not) (accept|agree with) the (grade|mark|result|decision|outcome of (the|my) assessment)|appeal (the|my|against) (grade|mark|result|decision|assessment|epa)|marked (unfairly|wrong|incorrectly)|(wrongly|unfairly) (failed|graded|marked)|should have (been given|got|received) a (pass|merit|distinction)|review(ed)? and re-?mark)",
        ),
        f(
            Flag::Subcontractor,
            "concerns subcontracted provision",
            r"\b(subcontract|sub-contract|sub contract|partner provider|delivery partner|training partner(ship)?|raise it with your main provider|main provider|delivered (by|through) (a |our |your )?(partner|another (provider|company|college)))",
        ),
        f(
            Flag::StaffSubject,
            "is about the complaint handler or a manager",
            r"\b(handling of my (previous |earlier |original )?complaint|complain(t)? about (how|the way) .{0,60} (handled|dealt with)|someone other than (her|him|them)|how (she|he|they|ms \w+|mr \w+|mrs \w+) (has|have) handled|not (be )?appropriate for (her|him|them) to (deal|handle|investigate)|passed to someone (more senior|else)|someone (more senior|else) (to|should) (deal|handle|look)|complaint about (the|my|your) (manager|complaints? (officer|handler|manager)|centre manager)|(the|my) manager is the (subject|problem)|complaint is about (the|my) manager)\b",
        ),
    ]
});

fn count_upper_ratio(text: &str) -> f32 {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 40 {
        return 0.0;
    }
    letters.iter().filter(|c| c.is_uppercase()).count() as f32 / letters.len() as f32
}

/// Scores per class, with reasons, for one piece of text.
#[derive(Default)]
struct Scores {
    complaint: f32,
    compliment: f32,
    comment: f32,
    other: f32,
    reasons: Vec<(f32, String)>,
}

impl Scores {
    fn add(&mut self, class: Class, w: f32, reason: String) {
        match class {
            Class::Complaint => self.complaint += w,
            Class::Compliment => self.compliment += w,
            Class::Comment => self.comment += w,
            Class::Other => self.other += w,
        }
        self.reasons.push((w, reason));
    }
}

fn score_text(scores: &mut Scores, text: &str, weight: f32, origin: &str) {
    let norm = normalise(text);
    if norm.is_empty() {
        return;
    }
    let negated = NEGATED_COMPLAINT.is_match(&norm);
    for c in LEXICON.iter() {
        if let Some(m) = c.re.find(&norm) {
            if negated && c.class == Class::Complaint && m.as_str().contains("complain") {
                continue;
            }
            let class_name = match c.class {
                Class::Complaint => "complaint",
                Class::Compliment => "compliment",
                Class::Comment => "comment",
                Class::Other => "other",
            };
            scores.add(
                c.class,
                c.weight * weight,
                format!(
                    "{class_name}: {} ({origin}: \"{}\")",
                    c.name,
                    m.as_str().trim()
                ),
            );
        }
    }
    // Sarcasm: praise words in a message that is about a repeated failure are
    // not praise. Take back the compliment score the sarcastic words earned.
    if scores
        .reasons
        .iter()
        .any(|(_, r)| r.starts_with("complaint: sarcasm"))
    {
        let praise: f32 = scores
            .reasons
            .iter()
            .filter(|(_, r)| {
                r.starts_with("compliment: praise") || r.starts_with("compliment: thanks")
            })
            .map(|(w, _)| *w)
            .sum();
        scores.compliment -= praise;
    }
    if count_upper_ratio(text) > 0.6 {
        scores.add(
            Class::Complaint,
            1.5 * weight,
            format!("complaint: written in capitals ({origin})"),
        );
    }
    let questions = norm.matches('?').count().min(3) as f32;
    // A question in a message about a problem is a demand, not an enquiry.
    if questions > 0.0 && scores.complaint < 1.0 {
        scores.add(
            Class::Other,
            0.4 * questions * weight,
            format!("other: asks {questions} question(s) ({origin})"),
        );
    }
}

/// The text that should drive the label: the newly written part, plus any
/// forwarded part (forwards are the content, at reduced weight).
pub struct Parts {
    /// Newly written text.
    pub new: String,
    /// Forwarded text (empty for replies: quoted history never counts).
    pub forwarded: String,
}

/// Split a message into the parts the classifier reads.
pub fn parts(mail: &InboundMail) -> Parts {
    let split = quote::split(&mail.text);
    let is_forward = FORWARD_SUBJECT.is_match(&mail.subject) || split.kind == HistoryKind::Forward;
    let mut forwarded = if is_forward {
        split.history
    } else {
        String::new()
    };
    if is_forward {
        for m in &mail.attached_messages {
            forwarded.push('\n');
            forwarded.push_str(m);
        }
    }
    Parts {
        new: split.new,
        forwarded,
    }
}

/// Classify a parsed message. Pure: same input, same answer.
pub fn classify(mail: &InboundMail, hints: &Hints) -> Classification {
    classify_parts(mail, &parts(mail), hints)
}

/// Classify with the parts already split off (ingest needs them too, and
/// splitting a reply is the costly step, so it is done once).
pub fn classify_parts(mail: &InboundMail, p: &Parts, hints: &Hints) -> Classification {
    if let Some(s) = screen(mail, &hints.own_addresses) {
        return Classification {
            kind: s.kind,
            flags: BTreeSet::new(),
            reasons: s.reasons,
        };
    }
    classify_text(
        &mail.subject,
        cut_bytes(&p.new, CLASSIFY_MAX_BYTES),
        cut_bytes(&p.forwarded, CLASSIFY_MAX_BYTES),
        mail,
        hints,
    )
}

/// How much of the new and of the forwarded text the lexicon reads. What a
/// message is about shows in its opening; reading megabytes of it with every
/// pattern (slow paths for non-ASCII text, e.g. invalid UTF-8) let one large
/// message stall ingest.
pub const CLASSIFY_MAX_BYTES: usize = 64 * 1024;

fn classify_text(
    subject: &str,
    new: &str,
    forwarded: &str,
    mail: &InboundMail,
    hints: &Hints,
) -> Classification {
    let mut s = Scores {
        other: 1.5,
        ..Scores::default()
    };
    s.reasons
        .push((1.5, "other: no strong signal yet (baseline)".into()));
    score_text(&mut s, new, 1.0, "text");
    if !forwarded.trim().is_empty() {
        score_text(&mut s, forwarded, 0.5, "forwarded text");
    }
    // The subject is a hint, never the deciding voice: people joke in subjects
    // ("Complaint" over praise) and reply under old subjects.
    let subj = SUBJECT_PREFIX.replace(subject, "").to_string();
    if !subj.is_empty() {
        score_text(&mut s, &subj, 0.4, "subject");
    }
    // Dissatisfaction plus a request for a response is the definition of a
    // complaint both seed procedures use.
    let has = |s: &Scores, prefix: &str| s.reasons.iter().any(|(_, r)| r.starts_with(prefix));
    let problem = has(&s, "complaint: something")
        || has(&s, "complaint: no reply")
        || has(&s, "complaint: delay")
        || has(&s, "complaint: expresses")
        || has(&s, "complaint: politely")
        || has(&s, "complaint: said it")
        || has(&s, "complaint: describes poor treatment");
    let asks = has(&s, "complaint: asks for an explanation");
    if problem && asks {
        s.add(
            Class::Complaint,
            2.0,
            "complaint: reports a problem and asks for a response".into(),
        );
    }
    // "No need to reply" and "not a complaint" undo problem words about the past.
    if has(&s, "comment: expects no reply") || has(&s, "comment: says it is not a complaint") {
        s.complaint *= 0.5;
    }
    if has(&s, "compliment: says thank you") && !asks {
        s.complaint *= 0.6;
    }

    let candidates = [
        (Kind::Complaint, s.complaint),
        (Kind::Compliment, s.compliment),
        (Kind::Comment, s.comment),
        (Kind::Other, s.other),
    ];
    let mut kind = Kind::Other;
    let mut best = f32::MIN;
    for (k, v) in candidates {
        if v > best {
            best = v;
            kind = k;
        }
    }
    // A complaint must clear a bar: a stray "late" is not dissatisfaction.
    if kind == Kind::Complaint && s.complaint < 2.2 {
        kind = if s.comment >= s.compliment && s.comment >= 2.0 {
            Kind::Comment
        } else if s.compliment >= 2.0 {
            Kind::Compliment
        } else {
            Kind::Other
        };
    }

    let mut reasons: Vec<String> = vec![format!(
        "scores: complaint {:.1}, compliment {:.1}, comment {:.1}, other {:.1}",
        s.complaint, s.compliment, s.comment, s.other
    )];
    let label = kind.as_str();
    let mut own: Vec<&(f32, String)> = s
        .reasons
        .iter()
        .filter(|(_, r)| r.starts_with(label) && !r.contains("baseline"))
        .collect();
    own.sort_by(|a, b| b.0.total_cmp(&a.0));
    reasons.extend(own.iter().take(6).map(|(_, r)| r.clone()));

    // The learned layer: overrules the lexicon's kind only when confident,
    // and adds the flags its recall-tuned thresholds raise.
    let prediction = hints.learned.model().map(|m| {
        m.predict(&learned::Doc {
            subject: subject.to_string(),
            new: new.to_string(),
            forwarded: forwarded.to_string(),
            named: mail.from.as_ref().is_some_and(|f| f.name.is_some()),
        })
    });
    let kind = match &prediction {
        Some(p) => learned::decide_kind(kind, p, &mut reasons),
        None => kind,
    };
    let mut flags = flags(kind, subject, new, forwarded, mail, hints, &mut reasons);
    if let Some(p) = &prediction {
        flags.extend(learned::flags(kind, p, &mut reasons));
    }
    Classification {
        kind,
        flags,
        reasons,
    }
}

fn flags(
    kind: Kind,
    subject: &str,
    new: &str,
    forwarded: &str,
    mail: &InboundMail,
    hints: &Hints,
    reasons: &mut Vec<String>,
) -> BTreeSet<Flag> {
    let mut out = BTreeSet::new();
    let text = normalise(&format!("{subject}\n{new}\n{forwarded}"));
    for (flag, why, re) in FLAG_CUES.iter() {
        // Safeguarding applies whatever the kind; a hazard matters in a
        // complaint or a suggestion; the procedural flags only change how a
        // complaint is run.
        let applies = match flag {
            Flag::Safeguarding => true,
            Flag::HealthSafety => matches!(kind, Kind::Complaint | Kind::Comment),
            _ => kind == Kind::Complaint,
        };
        if !applies {
            continue;
        }
        if let Some(m) = re.find(&text) {
            out.insert(*flag);
            reasons.push(format!("flag {flag}: {why} (\"{}\")", m.as_str().trim()));
        }
    }
    if kind == Kind::Complaint {
        for name in &hints.subcontractors {
            if !name.trim().is_empty() && text.contains(&normalise(name)) {
                out.insert(Flag::Subcontractor);
                reasons.push(format!(
                    "flag subcontractor: names the subcontractor {name:?}"
                ));
            }
        }
        for name in &hints.handler_names {
            let n = normalise(name);
            if !n.is_empty()
                && text.contains(&n)
                && text.contains("complaint")
                && text.contains("handl")
            {
                out.insert(Flag::StaffSubject);
                reasons.push(format!(
                    "flag staff_subject: complains about the handling by {name:?}"
                ));
            }
        }
        // No name anywhere: no display name and a sign-off that is not a name.
        if !out.contains(&Flag::Anonymous) {
            let no_display = mail.from.as_ref().is_none_or(|f| f.name.is_none());
            let signs_anon = ANON_SIGN_OFF.is_match(&new.to_lowercase());
            if no_display && signs_anon {
                out.insert(Flag::Anonymous);
                reasons.push("flag anonymous: no name given, signs as \"a learner\"".to_string());
            }
        }
    }
    // Safeguarding takes precedence over a workshop hazard described with
    // words like "hurt", but both can be true.
    out
}

/// Classify raw message bytes; unreadable input is an error the caller reports.
pub fn classify_raw(raw: &[u8], hints: &Hints) -> Result<Classification, super::mail::MailError> {
    let mail = super::mail::parse(raw)?;
    Ok(classify(&mail, hints))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_followed_by_megabytes_is_still_a_complaint() {
        let mut text = String::from(
            "I am not happy and want to complain: my course was cancelled. Please explain why.\n",
        );
        text.push_str(&"\u{fffd}\u{fffd}( bad\n".repeat(200_000));
        let raw = format!(
            "From: Jo <jo@mail.test>\r\nTo: complaints@org.test\r\nSubject: Course\r\nMessage-ID: <c@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        );
        let mail = crate::core::mail::parse(raw.as_bytes()).expect("parse");
        let c = classify(&mail, &Hints::default());
        assert_eq!(c.kind, Kind::Complaint, "{:?}", c.reasons);
    }
}
