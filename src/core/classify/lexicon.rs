//! The classifier's tables: the weighted cues per class, the flag cues and
//! the few patterns the scoring and flagging consult. Data, kept apart from
//! the scoring so either can be read (and reviewed) on its own.

use crate::core::kind::Flag;
use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// The classes the lexicon scores (the machine kinds come from screening).
/// Its name starts each reason, and must be the [`Kind`](crate::core::kind::Kind)'s
/// name: the reasons shown are those that start with the chosen kind.
#[derive(Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub(super) enum Class {
    Complaint,
    Compliment,
    Comment,
    Other,
}

/// One cue: a named pattern and the points it gives its class.
pub(super) struct Cue {
    pub(super) class: Class,
    pub(super) weight: f32,
    pub(super) name: &'static str,
    pub(super) re: Regex,
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
/// quotes). English, with the Welsh that shares an English cue's structure
/// (each language's own lists are in `languages.rs`); weights were set on the project's own cases and
/// checked against the shared corpus, not fitted to it.
pub(super) static LEXICON: LazyLock<Vec<Cue>> = LazyLock::new(|| {
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
            "hedges before a complaint",
            r"\b(i )?(don'?t|do not) (want|like) to (make a fuss|cause (trouble|a fuss|problems)|be (a pain|difficult|that person)|moan|complain|get anyone (in|into) trouble)|\b(hate|sorry|reluctant) to (complain|moan|be a pain|raise this|have to (say|write))|\bnot (one|someone|the type|the sort|usually one) to (complain|moan|make a fuss)|\bi wouldn'?t normally (complain|write|email|moan)",
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
            r"\b(want(ed)?|would like|'d like|wish|writing|like|behalf) to (formally |personally |sincerely |publicly |really |properly )?thank\b|\b(want(ed)?|would like|'d like|wish|just|writing|like) to (say|pass on|send|give|share|offer|express|drop you a line)( a| my| our)? ?(huge|big|massive|proper|special|heartfelt|sincere|great)? ?(thank|thanks|well done|praise|appreciation|gratitude|how (impressed|grateful|pleased))|\b(massive|huge|big|special|sincere|heartfelt|proper|enormous) (thank|thanks)|\bthank you (so much|very much)? ?(to|for all|for everything|for your (help|support|patience))|\bpass on (my|our) (thanks|gratitude|appreciation)|\bthanks to (everyone|all|the)\b|\bopposite of a complaint\b|\b(could|can|please) you (pass|send) (this|my thanks|our thanks) on|\bpass this on to\b",
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
            r"\b(wanted|want|just|note|line|writing) to (let (you|someone|somebody|someone senior|the team|your \w+) know|say|tell you)\b[^?]{0,80}\b(excellent|great|brilliant|fantastic|amazing|impressed|superb|outstanding|wonderful|valued|appreciated|grateful|lovely|helpful|really good|so good|pleased|the exception)\b|\bsay how much (i|we) ('ve |have )?(valued|appreciated|enjoyed)|\b(would(n'?t)?|could(n'?t)?) have (got|done|made|managed|passed|finished|got there)\b[^.]{0,40}\bwithout (her|him|you|them|your)\b|\bkeep (it|up the good work)\b|\bwell done\b|\bmade time for me\b|\blet (you|someone|somebody|the team|everyone|you all) know (how|what a) (good|great|brilliant|helpful|kind|supportive|amazing|much|wonderful|fantastic)\b|\bhow much [^.?!]{0,80}\b(has|have) meant\b|\bmeant (so much|a lot|the world)\b|\bnothing but (positive|good|great) (feedback|things|comments|reports)|\bpositive feedback\b",
        ),
        cue(
            Compliment,
            4.5,
            "thanks someone for how a complaint was handled",
            r"\bthank(s| you) (so much |very much )?for (the way (you|she|he|they) (dealt|handled|have dealt|have handled) (with )?|(dealing|handling|sorting( out)?|resolving|looking into) )my (complaint|concern)\b",
        ),
        cue(
            Complaint,
            4.0,
            "a form's field says it is a complaint",
            r"\b(type of (feedback|enquiry|message|contact)|feedback type|enquiry type|nature of (your )?(enquiry|feedback)|reason for (contact|contacting us|your (enquiry|message))|category): ?(a )?complaint\b",
        ),
        cue(
            Compliment,
            4.0,
            "a form's field says it is a compliment",
            r"\b(type of (feedback|enquiry|message|contact)|feedback type|enquiry type|nature of (your )?(enquiry|feedback)|reason for (contact|contacting us|your (enquiry|message))|category): ?(a )?(compliment|praise|thank you)\b",
        ),
        cue(
            Comment,
            3.0,
            "a form's field says it is a suggestion",
            r"\b(type of (feedback|enquiry|message|contact)|feedback type|enquiry type|nature of (your )?(enquiry|feedback)|reason for (contact|contacting us|your (enquiry|message))|category): ?(a )?(comment|suggestion|idea)\b",
        ),
        cue(
            Compliment,
            2.5,
            "praises in so many words",
            r"\bcredit where (it'?s |it is |credit'?s |credit is )?due\b|\b(thanks|thank you|kudos|hats off) to (whoever|everyone who|the (person|people|team) who)\b|\b(thought|think) i'?d (do|write) the opposite\b|\b(is|are|was|were) (simply |just )?the best\b|\b(has|have) (been|gone) (really |absolutely |just )?(excellent|brilliant|outstanding|fantastic|superb|first class|spot on)\b|\brestored my faith\b|\b(runs?|ran|teaches|taught|explains?|explained|organised|handled|dealt with) (them|it|things|everything|the sessions?|my complaint|us) (really|so|very|incredibly|brilliantly) (well|clearly)\b|\bpa mor (hapus|falch|ddiolchgar) (ydyn ni|ydw i|yr ydym|rydyn ni|rwyf i)\b|\b(mae'?n|yn) bleser gweithio gyda\w*\b|\bmae croeso i chi ddefnyddio'?r neges\b",
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
            "praises someone's manner or the difference made",
            r"\b(was|were|is|are|has been|have been) (so|really|incredibly|extremely|very|always|genuinely) (kind|patient|calm|helpful|lovely|supportive|thoughtful|understanding|reassuring|encouraging|approachable)\b|\bnever once (made|left|let|rushed|judged)\b|\ba (real|huge|great|massive|genuine) (asset|credit)\b|\b(an? )?(absolute|total|real) (legend|star|gem|hero|diamond)\b|\bfair play\b|\bhats off\b|\bkudos\b|\bshout-?out\b|\btop marks\b|\b(couldn'?t|could not) (have )?(ask(ed)?|wish(ed)?) for (a |anyone |anything )?better\b|\b(come|came|coming) on (no end|leaps and bounds|so much)\b|\bgive (her|him|them|that \w+) a (raise|pay rise|medal|promotion|bonus|gold star)\b|\bplease thank (her|him|them|\w+)\b|\bhappy to (be used as|act as|be) a (case study|reference)\b|\b(has been|was|is|have been|were) (the|an) exception\b|\bpleasantly surprised\b",
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
            r"\b(would|could|it'?d|wud|might) (really |also |definitely )?(help|be (so |really |even |very |much |a lot )?(great|good|gd|nice|helpful|useful|better|handy|brilliant|easier|ideal|fab|lovely))\b|\b(it'?d|it would|would) be (a |an )?(really )?(good|great|nice|useful|helpful) (way|idea|thing|addition|option)\b|\bwould it be possible\b|\bcould (you|assessors|we|someone|the team) (think about|consider|maybe|perhaps|also|look at adding)|\b(maybe|perhaps) (a|an|make|you|the|add|have|send|consider|worth|new|learners|we|it|they|there)\b|\bmight be worth|\bworth (mentioning|considering|thinking)|\bhave you (thought|considered)|\bhow about\b|\bi wondered if you could|\bit would help to\b|\bnot urgent\b|\bjust something (that|to)\b|\bfor what it'?s worth\b|\bbyddai'n (wych|dda|help)",
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
        // (each other language has its own lists: see languages.rs)
        // --- other: enquiry or request ---
        cue(
            Other,
            1.5,
            "asks a question or for information",
            r"\b(could|can|would) you (please )?(send|tell|let me know|give|provide|confirm|advise)|\bdo you (have|offer|run|do|provide)\b|\bare you open|\b(is|will) (the|your) .{0,40} (be )?open|\bopening (times|hours)|(^|[.?!] )how (does|do|much|long|many|would)\b|\bwhat (are|is) the (next steps|cost|process|fee)|\b(i'?m|we'?re|we are|i am) (looking|interested) (at|in|into)|\benquir(y|ies|e|ing)\b|\bbrochure|\bprospectus|\bcourse (list|information|details)|\binformation (about|on)\b|\bany (information|advice)\b|\ba few questions|\bquestions?:|\bcan existing|\bis it possible to\b|\boes gennych chi|\bbeth yw'r camau|\bymholiad|\bhoffwn wybod|\ba oes\b|\bpryd mae|\bgyrsiau\b|\ba allech chi|\bgwybodaeth am|\bczy (mogę|moge|można|mozna)|\bpuede(n)? (enviarme|decirme)|\bpourriez-vous|\bkönnten sie",
        ),
        cue(
            Comment,
            2.0,
            "points something out",
            r"\b(thought|figured) (you'?d|you would|you might) (want|like) to know\b|\bjust (so you know|flagging)\b|\bheads[- ]up\b|^fyi\b|\bfor your information\b",
        ),
        cue(
            Other,
            3.0,
            "asks for their personal data (a subject access request)",
            r"\bsubject access request\b|\bdsar\b|\barticle 15\b|\bcop(y|ies) of (all )?(the )?(personal (data|information)|data) (that )?(you )?(hold|held)\b",
        ),
        cue(
            Other,
            3.0,
            "sends a supplier's invoice or statement",
            r"\bplease find (attached|enclosed) (our |the |your )?(invoice|statement|remittance)\b|\bpayment (is )?due (within|by|on)\b|\bremittance advice\b|\bstatement of account\b",
        ),
        cue(
            Other,
            4.0,
            "looks like phishing",
            r"\bverify your (account|identity|email|mailbox)|\bstorage (limit|quota)|\bmailbox (is )?(full|quota)|\bincrease (your )?(storage|quota)|\baccount (will be )?(suspended|deactivated|closed)|\bpassword (expires|expiry|will expire)|\bconfirm your (password|credentials)",
        ),
    ]
});

/// What follows a flag's cue when the cue names a course, not a concern:
/// "safeguarding module", "health and safety quiz".
/// A manager's title in a complaint's subject line, in the languages the
/// classifier reads ("complaint about manager", "Fire alarm - centre
/// manager", "Cwyn am y Cyfarwyddwr", "Queja sobre la jefa de
/// departamento"): people name in the subject whom they complain about. Not
/// the name of a course ("Team Leader apprenticeship") nor the sender's own
/// title ("from the Registered Manager").
pub(super) static MANAGER_IN_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(manager|managerul\w*|menedżer\w*|менеджер\w*|director|directorul\w*|directora|dyrektor\w*|cyfarwyddwr|gyfarwyddwr|head of \w+|pennaeth|bennaeth|principal|ceo|team leader|kierownik\w*|rheolwr|reolwr|jef[ea]|gerente|responsable|responsabile|responsável|responsavel|chefe|diretor\w*|مدير|منیجر)\b")
        .expect("static regex")
});

/// What makes a manager's title in a subject something else: a course or
/// a qualification named after the job, or the sender's own title.
pub(super) static TITLE_NOT_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(from|by) (the |our |a )?(\w+ )?(manager|director)\b|\b(my|our) (\w+ )?(manager|director|team leader|boss|supervisor)\b|\b(manager|director|team leader|leader)( \w+)? (apprenticeship|course|programme|program|qualification|standard|level|diploma|epa)\b|\b(level \d|l\d|epa)\b")
        .expect("static regex")
});

/// Training or assessment placed with another organisation, named by the
/// kind of place it is ("our tutor at Caerphilly Care Academy", "the
/// knowledge units are taught at Coleg y Dyffryn", "the training centre in
/// Bridgend you send our lads to", "you have arranged with Mercia Skills
/// Academy"). Group `org` holds the place's words, which the caller checks
/// are not the organisation's own name.
pub(super) static OTHER_PLACE_DELIVERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(tutors?|trainers?|assessors?|teachers?|instructors?|lecturers?|classes|class|sessions|lessons|units|modules|workshops?|venue|training|teaching|practical|placement|assessments?|course|block|days)( \w+){0,3} (is |are |was |were |being |has been |have been )?(at|by|with|run by|taught at|done at|held at|delivered by|taken by|marked by|assessed by|provided by) (the )?(?P<org>(\w+ ){1,3}(academy|college|coleg|training|ltd|limited|skills|assessment centre|assessment center))\b|\b(you|they|pareto|als) (have |had )?(arranged|booked|placed|referred|enrolled|put|sent) (\w+ ){0,4}(with|at|to) (?P<org2>(\w+ ){1,3}(academy|college|coleg|training|ltd|limited|skills|centre|center))\b|\b(centre|center|college|academy|company|provider|place|firm|school|the one)( in \w+)? (that |which )?(you|they) (use|used|uses|work with|partner with|send (us|them|me|him|her|(our|your|the|their|its) \w+|\w+) to|sent (us|them|me|him|her|(our|your|the|their|its) \w+|\w+) to)\b|\b(they|who|which) (do|does|deliver|delivers|run|runs|teach|teaches) (the |some of )?(\w+ ){0,2}(assessments|training|classes|courses|sessions|apprenticeships) for (you|your|als|pareto)\b|\b(that|which) (you|they|\w+) (run|runs|deliver|delivers|offer|offers) (jointly )?(with|alongside|together with|in partnership with) (the )?(?P<org3>(\w+ ){1,3}(academy|college|coleg|training|ltd|limited|skills|partnership|learning))\b|\b(?P<org4>(\w+ ){1,3}(academy|college|coleg|training|ltd|limited|skills)) (use|uses|used|run|runs|ran|host|hosts|hosted) (for )?(our|the|my|your) (\w+ ){0,2}(days|sessions|classes|course|training|lessons|bootcamp|block|workshops?|practicals?)\b|\bas (your|their|a) (delivery |training |teaching )?partner\b")
        .expect("static regex")
});

/// The same in the other languages the classifier reads: a place "where
/// ALS sent me", "to which Pareto referred me", "that Pareto works with".
pub(super) static OTHER_PLACE_DELIVERS_ABROAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(unde m-?a (trimis|trimes|înscris|inscris)|la care m-?a (trimis|trimes)|do kt(ó|o)rej (skierowa\w+|wys\w+|zapisa\w+)|z kt(ó|o)r(ą|a) (pareto|als) wsp(ó|o)łpracuje|partner(a|em)? (pareto|als)|com quem a (pareto|als) trabalha|(escola|centro|empresa) parceir[ao]|con (la )?que (pareto|als) trabaja|(centro|empresa|academia) (asociad[ao]|colaborador[ao])|m'a (inscrit|envoy\w*) chez|(organisme|centre|école) partenaire|centrul partener|partenerul (vostru|dumneavoastra)|(wasz|waszego|wasza|waszym|waszej) partner\w*|(prowadzi|prowadza|organizuje) firma|(o )?vosso parceiro|(a )?vossa parceira|vuestro (socio|colaborador)|(canolfan|coleg|cwmni) (y mae|mae) (als|pareto) yn (ei |eu )?(ddefnyddio|anfon))\b")
        .expect("static regex")
});

/// Words of a worry about someone, or of asking the safeguarding people to
/// act ("could your safeguarding lead phone me about my daughter"). The
/// word "safeguarding" alone, in a message that is not a complaint (a job
/// application for a safeguarding post, thanks to the safeguarding team),
/// raises the flag only beside one of these: a concern reported under any
/// kind must still reach the safeguarding lead.
pub(super) static CONCERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(concern(ed|s|ing)?|worr(y|ied|ies|ying)|risk|unsafe|scared|afraid|frightened|danger\w*|report(ed|ing)? (it|this|him|her|them)|incident|disclos\w*|hurt|harm(ed)?|urgent(ly)?|phone|call|ring|speak|talk|contact|help|child|children|daughter|son|young person|placement|pryder(on)?|poeni|niepokoj\w*|martwi\w*|preocup\w*|îngrijor\w*|ingrijor\w*)\b")
        .expect("static regex")
});

pub(super) static LOOK_ALIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(modules?|units?|training|courses?|quiz|tests?|exams?|assignments?|certificates?|qualifications?|level \d|workshops?|e-?learning|sessions?|booklets?|worksheets?|lessons?|policy|policies|awareness (course|training|session))\b")
        .expect("static regex")
});
pub(super) static ANON_SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*((a|an) ((grateful|happy|thankful|frustrated|fed up|disappointed|unhappy|loyal|former|current|worried|concerned|angry) \w+|learner|apprentice|parent|student|employee|employer|customer|mum|dad|member of staff)|(disgruntled|frustrated|fed up|angry|worried|concerned|unhappy|anonymous|name withheld) (of|from|in) \w+)[.!]*\s*$")
        .expect("static regex")
});
/// Phrases that carry a complaint cue's word without complaining: the
/// writer admitting they were wrong, "people only write when something
/// goes wrong", "never once made me feel", a tutor who "stayed behind
/// twice" to help. Blanked out before the complaint cues are matched, so
/// praise framed against a past worry is not read as a grievance.
pub(super) static BENIGN_FOR_COMPLAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(i|we) (was|were) (wrong|mistaken),? (annoyingly|happily|thankfully|luckily|it turns out)\b|\bturns out (i|we) (was|were) wrong\b|\bproved (me|us) wrong\b|\b(only|usually|normally) (write|writes|email|emails|hear from (people|anyone)|complain)\b[^.]{0,40}\bwhen (something|things|anything) (goes|go|has gone|have gone|went) wrong\b|\bnever once\b|\bstayed (behind|late|on)( \w+){0,3} (twice|again)( \w+){0,3} to (help|go through|explain|support|show)\b|\b(most|many|other|previous) (providers|companies|colleges) [^.]{0,60}\b(vanish|disappear|let (us|me) down|were (awful|terrible|useless))|\b(has|have|had) been let down by (a lot of|lots of|so many|many|plenty of|most) (adults|people|services|professionals|agencies|schools|grown-?ups)\b")
        .expect("static regex")
});
/// A problem the writer says has been put right ("since then things have
/// completely turned round", "thank you for taking it seriously"): beside
/// it, [`PAST_PROBLEM`] is history, not a grievance.
pub(super) static PROBLEM_PUT_RIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(since then|since (that|my complaint)|now|these days)\b[^.!?]{0,40}\b(things|it|everything|the service|the support) (has|have) (completely |really |totally |honestly )?(turned (a)?round|improved|changed|got (so much |much |a lot )?better|been (great|brilliant|excellent|much better|so much better|fantastic))|\bthank(s| you) (so much |again )?for (taking (it|this|my complaint|my concerns?) seriously|sorting (it|this|everything|things) out|putting (it|this|things) right|listening)|\b(it'?s|it has|that'?s|everything'?s) (all )?(been )?(sorted|resolved|fixed|put right) (now|since)\b")
        .expect("static regex")
});
/// The sentence recalling an earlier complaint or problem ("you might
/// remember I complained in September about my reviews being cancelled"),
/// and catching up ("caught up on everything I was
/// behind on"): not this message's grievance when the problem is put right.
pub(super) static PAST_PROBLEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(i|we) (complained|raised (a|my|our) complaint|made a complaint|had (a|some) (problems?|issues?)|wrote to you)\b[^.!?]{0,200}|\bcaught up (on|with) (everything|all|the work|it all)( that)? (i|he|she|we|they) (was|were|had been|'d been|fell) behind (on|with)\b")
        .expect("static regex")
});
/// Questions that make a suggestion ("have you thought about…?", "why not
/// …?"): they ask for no answer, so they are not an enquiry's questions.
pub(super) static SUGGESTION_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(have you (ever )?(thought|considered)|would you (consider|think about)|could you (consider|think about)|(what|how) about (a|an|adding|having|offering|running|\w+ing))\b[^?.!]{0,200}\?")
        .expect("static regex")
});
/// Someone at work agreeing to the writer raising a matter ("my line
/// manager is happy for me to raise this"): not a learner's consent.
pub(super) static STAFF_CONSENTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(manager|boss|employer|supervisor|tutor|coach|assessor|company|team|director|hr|colleague|department)\b")
        .expect("static regex")
});
/// What follows "on behalf of" when the writer speaks for an organisation
/// (their employer, a company by its legal name), not for a learner.
pub(super) static ORGANISATION_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ ((the |our |this )?(company|firm|business|organisation|organization|board|trust|employer|management|directors|governors)\b|[a-z&]+( [a-z&]+){0,3} (ltd|limited|plc|llp|inc|group|trust|council|logistics)\b)")
        .expect("static regex")
});
/// A person named in the first words after "on behalf of": "my son at
/// Parkway Services", "the apprentices in my team" are for learners.
pub(super) static PERSON_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ (\S+ ){0,5}?(son|daughter|child|children|nephew|niece|grandson|granddaughter|apprentices?|learners?|students?|trainees?|pupils?|employees?|client)\b")
        .expect("static regex")
});
pub(super) static NEGATED_COMPLAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(this |it )?(isn'?t|is not|'s not|wasn'?t|not) (really |meant as |intended as )?(a|an) complaint|\bopposite of a complaint|\bnot complaining\b|\bnot (making|raising) a complaint").expect("static regex")
});
pub(super) static SUBJECT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rv|ynt|tr|r|enc|doorst|vb)(\[\d+\])?\s*:\s*)+",
    )
    .expect("static regex")
});
pub(super) static FORWARD_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(fw|fwd|wg|tr|rv|doorst|vb|vs)\s*:").expect("static regex")
});

/// Flag cues: (flag, reason, pattern).
pub(super) static FLAG_CUES: LazyLock<Vec<(Flag, &'static str, Regex)>> = LazyLock::new(|| {
    let f = |flag, why, p: &str| (flag, why, Regex::new(p).expect("static flag regex"));
    vec![
        f(
            Flag::Safeguarding,
            "describes a risk to someone's welfare",
            r"\b(bully|bullied|bullying|harass\w*|harassment|harassed|abuse|abused|abusive|assault|assaulted|pushed (her|him|me|them) (over|down|into|against|out of|hard|away|off)|hit (her|him|me)|grooming|self-?harm|suicid\w*|exploited|exploitation|radicali[sz]\w*|neglect|sexual|inappropriate (touching|comments|messages|relationship)|comments about my (body|appearance)|stood (really |very )?close|wouldn'?t (let me|move)|(don'?t|doesn'?t|do not|does not|didn'?t) feel safe|feel(s|ing)? unsafe|not safe (being|around|with)|scared of|afraid of|threaten(ed|ing|s)? (me|her|him|them|to (hurt|hit|harm|kill|beat))|threats? of violence|intimidat\w*|posted (pictures|photos)|nasty comments|cries|crying|safeguarding|diogelu|bwlio)\b",
        ),
        f(
            Flag::Safeguarding,
            "describes exploitation",
            r"\b(modern slavery|traffick\w*|county lines|financial(ly)? (abuse|abused|exploit\w*)|(taking|took|takes|keeps?|kept|holding|held) (all )?(her|his|their|my) (wages|pay|money|bank card|benefits|passport|id|documents)|(passport|id card|documents) (was |were |has been |have been )?(taken|kept|held) (by|from)|not allowed to (leave|go home|take (a )?breaks?|see (her|his|their) family|contact)|working (7[0-9]|[89][0-9]|1[0-9]{2}) hours|sleep(s|ing)? (at|on) (the )?(site|premises|farm|workshop|salon|kitchen)|made (her|him|them) (hand over|pay back|work for nothing)|owes? (them|him|her) money for|(deduct\w*|takes?|taking|took|charg\w*|dock\w*) .{0,40}(from|out of|off) (his|her|their|my|the apprentices'?|workers'?) (wages|pay|salary|wage)|(hold|holds|holding|kept|keeps|keep|took|takes|taken) (the |all )?(workers'?|their|his|her|apprentices'?|our|staff'?s?) passports?|threaten\w* (to sack|to fire|dismissal|to report|to dismiss) .{0,40}\bif (he|she|they|i|we) (tells?|speaks?|reports?|complains?|says)|(told|warned|threatened) (him|her|them|me|us) (to keep quiet|not to (tell|say|report|speak))|(don'?t|not to|do not|never) (tell|mention (it|this|that) to|say anything to) (your|the) (college|provider|training (provider|company)?|assessor|coach|tutor|centre)|(money|£\d+|\d+ pounds?) (is |was |being )?(taken|deducted|docked) (off|from|out of) (his|her|their|my) (wages|pay|payslips?|salary))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes grooming or an adult's inappropriate contact",
            r"\b((asked|asking|asks) (her|him|them|me) (for|to send) (photos|pictures|pics|nudes|images|selfies)|(sent|sending|sends) (her|him|them|me) (photos|pictures|pics|images) of|messag(es|ed|ing) (her|him|them|me) (late at night|at night|privately|on (snapchat|instagram|whatsapp|tiktok|facebook))|(snapchat|instagram|whatsapp|tiktok) (messages|chats?) from (the|her|his|their|an?) (tutor|assessor|coach|trainer|supervisor|manager|boss|older)|keep (it|this|our chats?) (a )?secret|meet (up )?(outside|after) (work|class|college|the course)|bought (her|him|them) (gifts|presents|alcohol)|relationship with (a|an|my|our|one of (the|your)) (learner|apprentice|student|trainee))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes a risk of self-harm or suicide",
            r"\b(end(ing)? (it all|(her|his|my|their) (own )?life)|(take|taking|took) (her|his|my|their) own life|(doesn'?t|don'?t|didn'?t|does not|do not) want to (be here|live|go on|be alive)|no point (in )?(going on|living|carrying on)|(don'?t|do not|can'?t|cannot) (really |even )?see (the|any) point (in|of) (being here|living|going on|carrying on|anything|it all)|(don'?t|do not|can'?t|cannot) (really )?trust myself( at the moment| right now| any ?more| around| with|[.,!;]|$)|(started|start|been|am|i'?m) (doing|cutting) (what|the things) i used to do\b|(thought|thinking|think|thinks) about ending (it|things|my life|her life|his life)|(hurt|hurting|harm|harming|cut|cutting|kill|killing) (herself|himself|themselves|myself)|overdos\w*|mental health crisis|sectioned|(worried|frightened|scared) (she|he|they) (will|might|may) do something)\b",
        ),
        f(
            Flag::Safeguarding,
            "describes an adult's unwanted attention, or a learner afraid",
            r"\b((stood|sat|sits|stands|standing|sitting) (really |very |too |so )?close (to|beside|next to) (me|her|him|them)|(put|puts|putting|placed|rested|had) (his|her|a) hands? on (my|her|his|their) (knee|leg|thigh|waist|bum|bottom|back|chest|hip)|touch(ed|es|ing) (me|her|him) (on|in|without)|add (him|her|them) on (snapchat|instagram|whatsapp|tiktok|facebook)|(asked|asks|asking) (me|her|him) (if|whether) (i|she|he) (had|have|has) a (boyfriend|girlfriend)|(don'?t|doesn'?t|do not|does not) want to be (on (my|her|his) own|alone) with (him|her|them)|please (don'?t|do not) tell (him|her|them) (i|she|he) (said|told)|(keeps?|kept|keeping) (her|him) (late|behind) (alone|on (her|his) own|after (everyone|the others|other staff))|insists? on (driving|taking|giving) (her|him) (home|a lift)|alone with (an? |the )?(\w+'s )?(husband|wife|son|boyfriend|older (man|men|woman|male)|adult man)|(frightened|scared|afraid|terrified) to (come|go) (back|in|into|to)|non-?molestation order|restraining order|injunction against|(abusive )?ex-?(partner|boyfriend|husband|girlfriend|wife)\b.{0,80}\b(waiting|turned up|followed|found out|outside)|((is|are|has been|have been|was|were|been) sleeping|sleeps) (rough|in (his|her|their) (car|van|tent))|(smel(t|ls|led|ling) (strongly )?of (alcohol|drink|booze)|(was|is|seemed|looked|appeared) (drunk|under the influence))\b.{0,100}\bdriv(e|es|ing|en) (the |a )?(minibus|van|learners|apprentices|students|us|them)\b|\bdriv(e|es|ing|en) (the |a )?(minibus|van|learners|apprentices|students|us|them)\b.{0,100}\b(smel(t|ls|led|ling) (strongly )?of (alcohol|drink|booze)|(was|is|seemed|looked|appeared) (drunk|under the influence))|better off (not (being )?(here|alive|around)|dead)|(anyone|anybody|strangers?|members? of the public) (can|could) (just )?(walk|wander|get|come) (straight )?(in|into|on)\b.{0,150}\b(under[- ]?18s?|1[4-7][- ]?year[- ]?olds?|young (people|learners|apprentices)|children)|ar (ei|eu) (ben|phen|pennau) (ei |eu )?hun(ain)? gyda|(heb|dim|nad|ddim)\b.{0,40}\b(g|w)wiriad dbs|(dardi|darda|darti|darta) (hai|ae|he|hain))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes a threat or a demand for money",
            r"\b((he|she|they|someone|somebody)( \w+){0,3} (tell|report (me|him|her|them|us) to|call|contact|inform) (the )?(immigration|home office|border force|ukvi)|if (i|he|she|we|they) (do not|don'?t|not|doesn'?t|won'?t) pay\b.{0,80}\b(will|'ll|would|going to) (tell|report|post|share|send|hurt|expose|show)|blackmail\w*|extort(ed|ing|ion|s)?|sextort\w*|(he|she|they) (knows?|know) where (i|we|he|she|they) (live|lives|work|works))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes a young or vulnerable person left without care",
            r"\b((walk|walked|walking|sent|send|left|leave|make|made) (her|him|them)? ?(home |to the (station|bus stop|train station) )?(alone|on (her|his|their) own) (in the dark|at night|late at night|after dark)|(he|she|they) (was|were) (found|picked up|brought back) by (a )?(member of the public|stranger|passer-?by|police)|found (him|her|them) (wandering|walking|alone|crying|distressed)|(no one|nobody|no member of staff|no staff|none of the staff) (waited|stayed|checked) (with|on) (him|her|them)|(wandering|walking) (alone |around |along |the streets)\S*.{0,40}\b(upset|distressed|crying))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes radicalisation or extremism",
            r"\b(extremis[tm]\w*|far[- ]right|neo-?nazi\w*|white supremac\w*|jihad\w*|prevent (duty|referral|concern|officer|team|lead)|channel referral|(recruit|recruiting|groom) \w+ (to|into) (a|an|the|their) (group|cause|movement)|hate (speech|crime|videos|material|propaganda)|terroris[tm]\w*)\b",
        ),
        f(
            Flag::Safeguarding,
            "describes an unsafe placement or a vulnerable person at risk",
            r"\b(vulnerable (adult|young (person|man|woman)|learner|apprentice|person)|unsafe (placement|work placement|employer)|(left|leaves?|leaving) (alone|on (her|his|their) own) (with|on site|at night|in charge)|alone with (an? |the )?(older|adult|male|female|manager|boss|customer|client)s?|(working|works|worked) (nights|night shifts|alone at night|behind the bar)|serv(e|es|ed|ing) alcohol|no dbs|without (a )?dbs( check)?|not (been )?dbs[- ]checked|(domestic|coercive|controlling) (abuse|violence|control|partner|behaviour)|(women'?s )?refuge|(ex|partner|husband|boyfriend|girlfriend|wife|stepdad|stepfather) (was |is |has been |kept )?(hurting|hitting|beating|threatening|controlling|hurt|hit|beat) (me|her|him|them)|(1[4-7][- ]years?[- ]olds?|aged? 1[4-7]|(he|she) ?'?s (only )?1[4-7])\b.{0,150}\b(roof|heights?|ladders?|scaffold\w*|machinery|alone|nights?|alcohol|no harness|keep quiet|don'?t tell)|(isn'?t|is not|hasn'?t been|not) (being )?(fed|eating|looked after)|no food|(at|@) risk of (harm|abuse|exploitation|homelessness)|concern(s|ed)? (for|about) (her|his|their) (safety|welfare|wellbeing|well-being))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes an unsafe home or a controlling partner",
            r"\b((things|it|life|stuff|everything|the situation) (at|back) home (isn'?t|aren'?t|is not|are not|hasn'?t been|haven'?t been|has not been|have not been|wasn'?t|weren'?t|was not|were not) (very |really |too |that |so )?(safe|good|great|easy|ok|okay|nice|right)|home (isn'?t|is not|wasn'?t|was not|hasn'?t been|has not been|doesn'?t feel|does not feel) (a )?(very |really )?safe|(not|isn'?t|is not|wasn'?t|never) safe (for (me|her|him|them) )?(at|to go|going) (back )?home|(don'?t|do not|doesn'?t|does not|didn'?t|did not|can'?t|cannot|never) feel safe (at|going|when i go) home|unsafe (at|going) home|(can'?t|cannot|couldn'?t|could not) (go|stay) (back )?(at )?home|(partner|husband|boyfriend|girlfriend|wife|ex|stepdad|stepfather|dad|father) (checks|check|checked|checking|reads|read|goes through|went through|monitors|tracks|controls|takes|took) (my|her|his|their) (phone|messages|texts|emails|money|bank card|wages|location)|(wasn'?t|was not|weren'?t|were not|am not|i'?m not|isn'?t|is not|not) (allowed|let) (out|to (go|leave|come|attend) (out|to (the |my |her |his )?(course|college|class|session|sessions|work|training|review)))|(husband|partner|boyfriend|girlfriend|wife|family|father|dad|mother|mum|parents|brother|brothers|in-?laws) (must not|mustn'?t|must never|can'?t|cannot|should not|shouldn'?t|is not to|isn'?t to|are not to|mustn'?t ever) (know|find out|be told|hear|see)|(nobody|no one|no-one) should (phone|ring|call|text|contact|write to|visit) (her|him|them|me) (at )?(home|on (her|his|their|my) home)|(don'?t|do not|never|nobody should|no one should|not to) (phone|ring|call|text|write to) (me |her |him |them )?(at |on )?(my|her|his|their) (home|home number|home phone|landline|house)|(gets|got|get|goes|went) (funny|angry|nasty|jealous|violent|aggressive|mad) (about|when|if) (me|i|her|she|him|he) (going|go|goes|went|see|seeing|talking|talk|leave|leaving)|pethau (adre|gartref) (ddim|dim) yn (saff|ddiogel)|(ddim|dim) yn (saff|ddiogel) (adre|gartref)|w domu nie jest bezpiecznie|acas[aă] nu (e|este) (in )?sigur|en casa no (es|estoy) segur|em casa n[aã]o (e|é|estou) segur)\b",
        ),
        f(
            Flag::Safeguarding,
            "describes a young person without food, money or a safe bed",
            r"\b((skipping|skipped|skips|skip|missing|going without|gone without|goes without|went without|go without) (\w+ )?(meals|food|eating)|(use|used|uses|using|been to|go to|going to|gone to|went to|referred to|rely on|relies on|relying on|vouchers? (from|for)) (a |the )?food ?banks?|(can'?t|cannot|couldn'?t|could not) afford (to eat|food|to feed (himself|herself|themselves|myself)|meals)|(sofa|couch)[- ]?surf\w*|sleep(ing|s)? (on|at) (a |my |his |her |their |the )?(\w+'?s? )?(sofa|couch|settee|floor)|(kicked|thrown|chucked) (me |him |her |them )?out (of (my|his|her|their|the) ((mum|mam|mom|dad|nan|gran|parents|foster carer)'?s?|home|house|flat|place|digs)|by (my|his|her|their) (mum|mam|mom|dad|parents|family|stepdad|stepfather|stepmum|landlord))|homeless\w*|nowhere (to live|to stay|to sleep)|no fixed (abode|address)|sleep(s|ing)? (in|at) (the )?(back (office|room)|garage|office|shop|warehouse|unit|workshop|car|van|yard|store ?room|stockroom)|welfare concern|concerns? (for|about) (\w+'s|the (learner|young person|apprentice)'?s?) (welfare|safety|wellbeing|well-being))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes a staff member's private contact with a young learner",
            r"\b((reviews?|sessions?|lessons?|tutoring|meetings?|revision|catch-?ups?|work) (\w+ ){0,3}(at|round at|round to|over at|back at) (mine|his (own )?(flat|house|place|home)|her (own )?(flat|house|place|home)|the (assessor|tutor|coach|trainer)'?s (flat|house|place|home))|invit\w* (\w+ ){0,5}(round|over|back) to (his|her|their|my) (own )?(home|flat|house|place)|(round|back) to (his|her) (own )?(home|flat|house|place) for|(from|on|using|via) (his|her|their) (own|personal|private) (phone|mobile|number|snapchat|whatsapp|instagram|account)|(whatsapps?|whatsapped|texts|texted|texting|messages|messaged|messaging|snapchats|snapchatted|rings|rang|calls|called|dms|dm'?d) (\w+ ){0,3}(late at night|at night|most (evenings|nights)|every (evening|night)|(gone|after) ((9|10|11|12) ?(pm|o'?clock)|(9|10|11|ten|eleven) at night|midnight)|gone (9|10|11|12|ten|eleven|twelve)(,|\.| to| and| at| most| every|$))|(it|this|that|chats?|messages|everything|anything) (stays?|stayed|will stay) (just )?between (them|us|the two of (us|them)|him and (me|her)|her and (me|him))|(told|tells|asked|asks|wants) (me|her|him|them) to keep (it|this|that|our \w+|the \w+) (just )?between (us|them|the two of (us|them))|(keep|keeps|kept) (it|this|that|them|our (chats?|messages|conversations)|the (chats?|messages)) (secret|quiet|from (your|her|his|their|my) (mum|mam|dad|parents|family))|personal (phone )?numbers\b.{0,160}\b(under[- ]?18s?|16|17|sixteen|seventeen|privately)|message (people|learners|apprentices|students|us|them|anyone|everyone) privately|lifts? (home )?(\w+ ){0,5}(if|as long as|on condition|provided) (i|she|he|they|we) (don'?t|do not|didn'?t|never|doesn'?t|does not) tell|(don'?t|do not|not to|never) (tell|mention (it|this|that) to) (my|your|her|his|their) (mum|mam|mom|dad|mother|father|parents?|family))\b",
        ),
        f(
            Flag::Safeguarding,
            "describes an under-18 worked too long or left alone",
            r"(\b1[4-7][- ]years?[- ]olds?|\baged? 1[4-7]\b|\b(he|she|who|they|lad|boy|girl|son|daughter|apprentice|learner|child) ?('s| is| are) (only |just )?(1[4-7]|fourteen|fifteen|sixteen|seventeen)\b|\bunder[- ]18s?\b).{0,400}\b(left (alone|on (his|her|their) own)|unsupervised|(1[0-6]|ten|eleven|twelve|thirteen|fourteen)[- ]hour (days?|shifts?)|from \d{1,2} ?(am)? (until|till|to) \d{1,2} ?pm|only (gets?|got|had|has|get) (five|ten|\d+) minutes)\b",
        ),
        f(
            Flag::HealthSafety,
            "describes a health and safety risk",
            r"\b(health (and|&) safety|fire (door|exit|escape|alarm|extinguisher)|eye ?wash|first aid (kit|box|supplies)|no first aider|bare (wires|conductors)|exposed (wires|conductors|cables)|live (wires|cables)|electric(al)? shock|trip hazard|hazard|ppe\b|protective (equipment|gear)|unsafe (equipment|workshop|machine|building|conditions)|get(ting)? hurt|injur|accident|asbestos|gas leak|ventilation|fumes|iechyd a diogelwch)",
        ),
        f(
            Flag::HealthSafety,
            "describes an injury or an unsafe workplace",
            r"\b(slipped|tripped|fell (off|from|over|down)|burn(t|ed|s)? (his|her|my|their) (hand|arm|leg|face|fingers?)|scald\w*|cut (his|her|my|their) (hand|finger|arm|leg|head)|no (guards?|guarding)|without (a |any )?(guard|harness|hard hat|goggles|gloves|mask|supervision)|no (harness|edge protection|scaffold\w*|hard hats?|ppe|goggles|gloves|masks?|banksman|seatbelt)|working at height|(left|working|worked|works) (alone|on (his|her|their|my) own) (on|with|at|using) (the|a) (\w+ ){0,2}(machine|machinery|press|press brake|lathe|saw|grinder|forklift|guillotine|equipment|tools?)|broken seat ?belt|(unsafe|broken|faulty|damaged) (ladder|scaffold\w*|forklift|lathe|saw|grinder|machine|machinery|tools?|equipment|socket|wiring|electrics)|smell of gas|carbon monoxide|riddor|near miss|risk assessments?|unsupervised|without (being )?(trained|shown how)|(not|never) (been )?(trained|shown) (how )?to (use|operate|lift)|(moving|manual) and handling|manual handling|hoist(s|ing)?|no (proper )?(lunch )?breaks?|(hi-?vis|hard hats?|safety boots|ear defenders|goggles|respirators?|dust masks?)|mou?ld|damp|rats|mice|vermin|no heating|freezing cold)\b",
        ),
        f(
            Flag::Anonymous,
            "does not want to be named",
            r"\b(a concerned (colleague|member of (staff|the public)|parent|learner|apprentice|employee|friend|neighbour|relative|worker)|(would|'d) (rather|prefer to) (stay|remain) anonymous|please (don'?t|do not) (use|give|share|reveal|pass on|mention) my name|(won'?t|will not|can'?t|cannot) (give|say|sign|put|leave) (my|a) name|(new|different|throwaway|separate|spare) (email|e-mail) (account|address) (so|because)|(fear|afraid|scared) (of|that) (reprisals|repercussions|being identified|they (will|would|might) find out)|(don'?t|do not|doesn'?t) want (to be named|my name (used|given|on)|(anyone|them|him|her) to know (it|this) (was|came from))|rather not (say|give|tell you) who (i am|we are))\b",
        ),
        f(
            Flag::Anonymous,
            "withholds their name",
            r"\b(not going to (give|say|put) my name|(don'?t|do not|won'?t|will not|rather not) (want to )?(give|say|put|share|leave) my name|not (leaving|giving|putting|sharing|signing with) my name|withhold(ing)? my name|anonymous(ly)?|without giving my name|they will know it was me|not giving my name|\bname: ?(prefer not to say|anonymous|withheld|not given|rather not say)|heb roi fy enw|yn ddienw|(ddim|dim) (eisiau|isio|am) rhoi fy enw|nid wyf (eisiau|am) rhoi fy enw)\b",
        ),
        f(
            Flag::OnBehalf,
            "writes on behalf of a learner",
            r"\b(on behalf of|my (daughter|son|child|grandson|granddaughter|nephew|niece|stepson|stepdaughter|ward|foster child)\b.{0,80}\b(is|who'?s|who is|aged|she'?s|he'?s|age) (1[4-7]|fourteen|fifteen|sixteen|seventeen)|helping (her|him|them) (to )?write|i am writing about my (daughter|son|child)|writing on (his|her|their) behalf|(our|my) apprentice\b.{0,60}\b(who is|is|aged) (1[5-7]|sixteen|seventeen)|see below from (our|my) (apprentice|learner|daughter|son)|vulnerable adult|(she|he) (asked|wants) me to (write|email|contact)|knows i am writing|i said i would email|ar ran fy (merch|mab))",
        ),
        f(
            Flag::OnBehalf,
            "writes for a learner",
            r"\b(my (son|daughter|child|grandson|granddaughter|stepson|stepdaughter|nephew|niece|ward|foster (son|daughter|child))('s| is| was| has| started| began| did| does| had)? (an? )?(apprentice|apprenticeship|learner|course|assessor|tutor|coach|placement|training|qualification|epa|end[- ]point|level \d|nvq|diploma)|(my|our) (\d\d[- ]year[- ]old )?(son|daughter|child|grandson|granddaughter|stepson|stepdaughter|nephew|niece)\b.{0,60}\b(apprentice|apprenticeship|learner|placement)|as (his|her|their) (parent|mum|mother|dad|father|guardian|carer|foster carer|social worker|support worker|key worker|personal adviser|advocate|employer|line manager|supervisor)|i am (his|her|their) (parent|guardian|carer|social worker|support worker|key worker|personal adviser|advocate|employer|line manager)|(our|my) constituent|we act for|we are instructed by|on behalf of our client|(one of )?our apprentices? (has|have|is|are|was|were|hasn'?t|haven'?t|had|told|says|said|asked|came)|(my|our) (\w+ )?apprentices,? (who )?(lost|missed|didn'?t|did not|couldn'?t|could not|haven'?t)\b|(my|our) apprentice [a-z]+'s|(he|she|they) (had |has |have )?(asked|wants|wanted) me to (write|email|get in touch|raise|complain|ring|call|phone|chase|contact|speak to you)|knows i'?m (emailing|writing|contacting)|(raise|write|email|complain about) (this|it)? ?(for|on behalf of) (him|her|them)|(i'?m|i am) (\w+'s|his|her|their) (employer|guardian|carer|foster carer|foster (mum|dad|parent)|dad|mum|father|mother|parent|aunt|uncle|grandmother|grandfather|gran|nan|social worker|support worker|key worker|personal adviser|advocate|interpreter)|writing as (the|his|her|their) (dad|mum|father|mother|parent|guardian|carer|employer|aunt|uncle|grandmother|grandfather|social worker|support worker) of|i look after my (nephew|niece|grandson|granddaughter|son|daughter|brother|sister))\b",
        ),
        f(
            Flag::OnBehalf,
            "writes as a learner's parent, guardian or worker",
            r"\b((my|our) (son|daughter|child|grandson|granddaughter|stepson|stepdaughter|nephew|niece|ward) (\w+ )?\(?(1[4-9]|fourteen|fifteen|sixteen|seventeen|eighteen)\)?,? (is|was|has|started|attends|goes|joined)|(my|our) (son|daughter|child|grandson|granddaughter|stepson|stepdaughter|nephew|niece)( \w+)? (is|was|has been) (on|doing|studying|enrolled on|attending) (your|the|a|an|his|her) (\w+ ){0,3}(course|apprenticeship|programme|program|level \d|nvq|diploma|qualification|training)|(my|our) (son|daughter|grandson|granddaughter|stepson|stepdaughter) \w+'?s (tutor|coach|assessor|course|apprenticeship|teacher|trainer|placement)|\w+ (is|are) (also )?(happy|content|ok|okay|aware and happy) (for|that) (me|us) (to )?(make|deal|raise|write|contact|act|email|get in touch|pursue|handle|speak)|i am the (legal |special |allocated |named |designated )?(guardian|carer|parent|social worker|personal adviser|advocate|support worker|key worker|foster carer) (of|for)|(i'?m|i am) (his|her|their) (\w+ )?(personal adviser|social worker|support worker|key worker|independent advocate|advocate|foster carer|leaving care worker|care coordinator)|(i'?m|i am) (a|an) (\w+ )?(personal adviser|social worker|key worker|independent advocate|advocate|leaving care worker|leaving care adviser)\b)",
        ),
        f(
            Flag::OnBehalf,
            "writes for a learner who agreed to it",
            r"\(\w+'s (mum|mam|mom|dad|mother|father|parent|guardian|carer|foster carer|nan|gran|grandma|grandad|social worker|support worker)\)|\b(\w+ (bhi )?(agree|agrees|agreed|has agreed|is happy|consents?|consented|is aware) (karta hai |karti hai )?(that |for |ke )?(i|me|we|us|main) (to )?(write|writing|email|emailing|contact|contacting|raise|raising|complain|ring|ringing|call|calling|yeh email)|(daughter|son|child|grandson|granddaughter|nephew|niece) (had |has |have )?(asked|wanted|begged) me to (write|email|get in touch|raise|complain|ring|call|phone|chase|contact)|(ka|ki) (walid|walida|waalid|waalida|abbu|ammi|baap|maa) (hoon|hun|hu)|\b(mera|mere) (beta|bete)|\bmeri (beti|bachi))\b",
        ),
        f(
            Flag::AssessmentAppeal,
            "disputes an assessment decision",
            r"\b((grade|mark|result|decision|project|assessment|work|portfolio)( \w+){0,2} (re-?)?(reviewed|looked at again|re-?assessed|re-?marked|checked|second[- ]marked) by (a different|another|an independent|a second) (assessor|marker|examiner|moderator)|(re-?assess\w*|assessed again|re-?mark\w*) by (a different|another|an independent) (assessor|marker|examiner)|kitam vertintojui|kitas vertintojas|apeliacij\w*|odwo(ł|l)ani\w* od (oceny|wyniku|decyzji)|apelio yn erbyn|recurso contra (la|mi) (nota|calificaci(ó|o)n|evaluaci(ó|o)n)|contest(ez|a) (nota|rezultatul)|re-?mark(ed|ing)?|regrade|re-?grade|grading decision|assessment decision|grade (was|is) (wrong|unfair|incorrect)|(don'?t|do not|didn'?t|did not) (accept|agree with) the (grade|mark|result|decision|outcome of (the|my) assessment)|appeal (the|my|against) (grade|mark|result|decision|assessment|epa)|marked (unfairly|wrong|incorrectly)|(wrongly|unfairly) (failed|graded|marked)|should have (been given|got|received) a (pass|merit|distinction)|review(ed)? and re-?mark)",
        ),
        f(
            Flag::Subcontractor,
            "concerns subcontracted provision",
            r"\b(subcontract|sub-contract|sub contract|partner provider|delivery partner|training partner(ship)?|raise it with your main provider|main provider|delivered (by|through) (a |our |your )?(partner|another (provider|company|college)))",
        ),
        f(
            Flag::Subcontractor,
            "concerns provision by another organisation",
            r"\b(the (company|college|provider|firm|organisation|organization) you (subcontract|outsource|use|work with|partner with)|subcontracted (to|provider|company|training|provision)|outsourc\w*|your (partner|delivery) (college|provider|company|organisation|organization|trainer)|(delivered|run|provided|taught|assessed) by (another|a different|a partner|an external|a third[- ]party|a separate) (company|provider|organisation|organization|college|trainer|training (company|provider))|third[- ]party (provider|trainer|training (company|provider))|lead provider|prime (contractor|provider)|partner (training )?(centre|center|college|provider|company|organisation|organization|school|academy)|farm(ed|s|ing)? (the |our |my )?(\w+ )?out to)\b",
        ),
        f(
            Flag::Subcontractor,
            "names a college or partnership where the learning happens",
            r"\b((maths|english|functional skills|sessions|classes|lessons|practicals?|block|training|tutors?|course|teaching)( \w+){0,4} (at|with|by) (coleg|college of) \w+|(maths|english|functional skills|sessions|classes|lessons|practicals?|block|training|tutors?|course|teaching)( \w+){0,4} (at|with|by) (\w+ ){1,3}(partnership|institute)|(\w+ ){1,2}(training|skills) academy (sessions|tutors?|classes|staff|lessons|course)|(the )?(college|centre|company|provider|place) (that|which|who) (actually )?(teach(es)?|trains?|delivers?|runs?) (us|me|the course|our)|y coleg sy'?n (ein )?dysgu)\b",
        ),
        f(
            Flag::Subcontractor,
            "names another organisation that delivers the training",
            r"\b((practical|technical|off-?site|college|workshop|classroom|training|theory|online|functional skills) (\w+ ){0,2}(blocks?|weeks?|days?|sessions?|modules?|work|training|classes|lessons|part|element|provision) (is |are |was |were |being )?(done |held |delivered |taught |run |provided |based )?(by|at|with) (\w+ ){1,4}(training|centre|center|academy|college|ltd|limited|skills|hub|institute|school|partnership|learning)|(centre|center|college|company|provider|academy|hub|firm) (that |which |who )?(\w+ ){0,2}uses? to deliver|(where|which|that) (you|they|\w+) (send|sends|sent|book|books|booked|place|places|placed) (us|them|its|their|your|our|me|him|her)( \w+){0,2} (learners|apprentices|students|trainees|in|there)|(delivering|delivers|deliver|runs|running|teaching|teaches) .{0,40}(for you|on your behalf|on behalf of (you|your|the provider))|\b(run|delivered|provided|taught) (for you|on your behalf) by|\b(run|delivered|taught) by (\w+ ){1,4}(for you|on your behalf)\b|the one (that|which) (runs|delivers|provides) (your|all your|some of your) (\w+ ){0,4}(apprenticeships?|training|courses?|classes|sessions|practicals?|programmes?)|(training|skills|academy|centre|center|college|partnership|hub|ltd|limited) \(?(a |your |the )?(delivery |training )?partner)\b",
        ),
        f(
            Flag::StaffSubject,
            "is about the complaint handler or a manager",
            r"\b(handling of my (previous |earlier |original )?complaint|complain(t)? about (how|the way) .{0,60} (handled|dealt with)|someone other than (her|him|them)|how (she|he|they|ms \w+|mr \w+|mrs \w+) (has|have) handled|not (be )?appropriate for (her|him|them) to (deal|handle|investigate)|passed to someone (more senior|else)|someone (more senior|else) (to|should) (deal|handle|look)|complaint about (the|my|your) (manager|complaints? (officer|handler|manager)|centre manager)|(the|my) manager is the (subject|problem)|complaint is about (the|my) manager)\b",
        ),
        f(
            Flag::StaffSubject,
            "is about a manager or whoever handles complaints",
            r"\b(complain(t|ing)? (is )?(about|against) (your|the|my|our) (manager|director|head of \w+|principal|ceo|chief executive|curriculum manager|operations manager|quality manager|centre manager|team leader|programme manager|complaints? (officer|manager|lead|handler))|(the|your) (manager|director|head of \w+|principal) (is|was|has been) (rude|dismissive|unprofessional|aggressive|the problem|the person (i am|i'm) complaining about)|the (person|manager|officer) (handling|dealing with|investigating|looking into) my complaint|complain(ing|ed)? about (how|the way) my complaint (is|was|has been) (being )?(handled|dealt with)|(can|could) (someone|somebody|anyone|anybody) (other than|who (isn'?t|is not)) \w+ (please )?(pick|take|look|deal|handle)|(the )?(stage (1|2|one|two) )?complaints? handler\b.{0,80}\b(closed|dismissed|ignored|refused|never|didn'?t|did not|is the|was the)|(partnership|centre|center|operations|area|regional|account|contract|programme|curriculum|quality|training|apprenticeship|business development|hr|site|branch|office|general|line|delivery|finance|funding|compliance|hub|student services|learner services) manager\b.{0,30}\b(bullies|bullied|belittles?|belittled|shouts|shouted|swore|humiliat\w*|intimidat\w*|harass\w*|ignored|ignores|refused|refuses|was rude|is rude|has been rude|smel\w* (strongly )?of (alcohol|drink)|(told|asked|pressured) (me|us|him|her)( and my \w+)? to (lie|falsify|backdate)|never (replies|replied|answers|answered|responds|responded))|(delivery|finance|funding|compliance|centre|center|area|regional|operations|quality|programme|curriculum) manager\b.{0,80}\b(hung up|put the phone down|ended the call|cut me off|phone band)|(she|he|they) (is|are) the (one|person) i (am|'m) complaining about|investigat\w* (a complaint about|(herself|himself|themselves))|conflict of interest|(handled|looked at|investigated|dealt with) by (somebody|someone|anybody|anyone) (other than|else than|who (isn'?t|is not)) \w+|(somebody|someone) who (isn'?t|is not) (his|her|their) (friend|colleague|mate|boss))\b",
        ),
        f(
            Flag::StaffSubject,
            "complains about a named or described manager",
            r"\b(complain\w*|grievance) (about|against|regarding|concerning) (the way |how )?(your |the |a |our |their |its )(\w+ ){0,2}(manager|director|head of (\w+ )?\w+|principal|ceo|chief executive|team leader|quality lead)\b|\b(complain\w*|grievance) (about|against|regarding|concerning) (the way |how )?(mr |mrs |ms |miss |dr )?\w+ \w+,? (who (i'?m told |i believe |i think )?is |is )?(your |the |our |a )(\w+ ){0,2}(manager|director|head of (\w+ )?\w+|principal|ceo|chief executive|team leader|quality lead)\b",
        ),
        f(
            Flag::WelshLanguage,
            "is about Welsh-language provision",
            r"\b(no welsh[- ]speak\w*|(nobody|no one|no-one|none of (them|the staff)) (there )?(who )?(could|can|was able to|is able to|spoke|speaks) welsh\b|(not|wasn'?t|weren'?t|isn'?t|never|couldn'?t|could not|can'?t|cannot|unable to|refused|denied|no way to|impossible to)\b.{0,60}\b(in|through the medium of) welsh\b|\b(in|through the medium of) welsh\b.{0,60}\b(refused|denied|not (possible|available|offered|allowed)|wasn'?t (possible|available|offered|allowed)|unavailable|turned down|ignored)|only (available |offered |provided |sent |written )?in english\b|english[- ]only\b|welsh language (service|scheme|standards?|provision|offer|policy|rights?|commissioner)|(no|not (a|any)|never (got|received|sent)) (welsh|bilingual) (version|copy|form|letter|materials?)\b)",
        ),
    ]
});

/// Words that say a complaint is about the use of someone's personal data
/// (the `data_protection` mark on a case, issue 16 item 8), in English and
/// Welsh. Specific phrases only: "data" and "details" alone are everywhere.
pub(super) static DATA_PROTECTION_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(data protection|gdpr|personal (data|information|details) (was |were |has been |have been |had been )?(shared|disclosed|passed on|leaked|sold|lost|published|misused)|(shared|disclosed|passed on|leaked|sold|lost|published|misused) my (personal )?(data|information|details|address|phone number|medical (records|information|details)|records)|(breach(ed)?|misuse|misused|mishandl\w*) (of )?my (personal )?(data|information|details)|data breach|information commissioner|\bico\b|subject access request|(right|request) to (be forgotten|erasure|have my data deleted)|(delete|erase|remove) (all )?my (personal )?(data|information|details)|without my (consent|permission) .{0,40}(data|information|details|photo|photos|picture|number|address)|diogelu data|(data|nata) personol|gwybodaeth bersonol|(rhannu|rhannwyd|rhannodd) fy (manylion|ngwybodaeth|nata))\b",
    )
    .expect("static regex")
});

/// Words of a welfare cue used as an idiom, not as a sign of harm: an
/// adult refusing to be pressured ("I'm not going to be bullied into
/// hiring"), a sales target ("bullied into signing"), someone told to stop
/// crying, "a crying shame". Matched on the few words around the cue.
pub(super) static WELFARE_IDIOM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((not|never|won'?t|refuse to|am not|i'?m not) (going to |gonna )?be (bullied|pressured|intimidated|harassed|threatened) into|(bullied|pressured|intimidated|harassed) (me |us )?into (hiring|buying|signing|taking on|paying|growing|expanding|agreeing|renewing|upgrading|recruiting)|(stop|stopped|quit) crying|crying (shame|out loud))\b")
        .expect("static regex")
});

/// Feeling unsafe in a place ("I don't feel safe there", "in the room"),
/// said beside a hazard: a health and safety complaint, not a person at
/// risk from someone.
pub(super) static UNSAFE_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(there|yno|in (the|that|this|our) (room|building|workshop|classroom|kitchen|site|centre|center|premises|salon|lab|warehouse)|yn (yr|y) (ystafell|adeilad|gweithdy)|w (tej|tym) (sali|budynku))\b")
        .expect("static regex")
});

/// The words before a manager's title that make them the writer's own, at
/// their employer: "my line manager", "my manager", "our line manager".
pub(super) static OWN_MANAGER_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(my (own )?(line )?|our line |my team |my store |my site )$")
        .expect("static regex")
});

/// Words naming whoever handled a complaint ("the Stage 2 handler", "how my
/// complaint was dealt with"): a subject of staff_subject even when the only
/// manager named is the writer's own.
pub(super) static HANDLER_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(handlers?|investigators?|investigating officer|(dealt with|handled) my (\w+ )?complaint|my complaint (was|has been|is being) (\w+ )?(dealt with|handled))\b")
        .expect("static regex")
});
