//! The reply reader's tables: what a complainant writes when they ask to take
//! a complaint further, are not satisfied with a response, chase for news,
//! thank us, ask to withdraw the complaint or raise a different matter, in the languages the classifier
//! reads (English, Welsh, Polish, Romanian, Spanish, Portuguese, French,
//! German, Italian, Urdu, Arabic). Data, kept apart from the reading so
//! either can be reviewed on its own. Patterns run on normalised text (lower
//! case, ASCII quotes, accents folded), one sentence at a time.

use super::text::fold_accents;
use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// A pattern compiled with its accents folded, to run on folded text: a cue
/// written "dziękuję" matches "dziekuje" typed on an English keyboard.
pub(super) fn folded(pattern: &str) -> Regex {
    Regex::new(&fold_accents(pattern)).expect("static reply cue")
}

/// What a cue says about the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CueKind {
    /// Asks to take it further, or is not satisfied with the response.
    Escalate,
    /// Raises a different matter.
    NewMatter,
    /// Asks for news.
    Chase,
    /// Thanks, or says it is sorted.
    Thanks,
    /// Asks to withdraw the complaint (before its response).
    Withdraw,
}

/// One cue: its kind, a name for the audit, and the pattern.
pub(super) struct Cue {
    pub(super) kind: CueKind,
    pub(super) name: &'static str,
    pub(super) re: Regex,
}

fn cue(kind: CueKind, name: &'static str, pattern: &str) -> Cue {
    Cue {
        kind,
        name,
        re: folded(pattern),
    }
}

/// The cues, strongest reading first within each kind.
pub(super) static CUES: LazyLock<Vec<Cue>> = LazyLock::new(|| {
    use CueKind::*;
    vec![
        // --- asks to take it further ---
        cue(
            Escalate,
            "asks to take it further",
            r"\btake (this|it|my complaint|the complaint|the matter|things|this matter)( any| much)? further\b|\b(want|like|wish|need) (this|it|my complaint|the complaint) (taken|to go|to be taken) further\b|\b(take|taking|taken|go|goes|going|move[ds]?|pass(ed)?|put|refer(red)?|send|sent|escalate[ds]?|progress(ed)?|referred|proceed[s]?|advance[ds]?) .{0,40}\b(stage (2|3|two|three)|next stage|next level|(the )?formal stage|(the )?appeal stage|someone (more )?senior|a senior manager|the director|higher)\b|\bforward(ed)? (this|it|my complaint|the complaint|the matter) .{0,30}\b(stage (2|3|two|three)|next stage|next level|someone (more )?senior|a senior manager|the director|higher)\b|\b(please |to |be |want (this |it |my complaint )?|like (this |it )?|have (this |it )?|get (this |it )?)escalat(e|ed)\b|\bescalate (this|it|my complaint|the complaint|the matter)\b|\bescalation\b|\b(request|requesting|ask|asking) (for )?(a |an )?(stage (2|3|two|three)|review|appeal)\b|\breviewed at the next stage\b|\b(i|we)( would|'d)?( therefore| now| also| still| really)? (like|wish|want) to appeal\b|\b(like|want|ask( for)?|request|can|could|may)( that)? (it|this|my complaint|the complaint|the matter)( please)? (to )?be (considered|looked at|reviewed|dealt with|heard) (at|under) (the )?(formal|next|second|2nd|third|3rd) stage\b|\bappeal (this|the (decision|outcome|response|finding))\b|\bstage (2|two|3|three) (please|review|complaint)\b|\bsomeone (more )?senior (to )?(look|review)",
        ),
        cue(
            Escalate,
            "asks to take it further",
            r"\b(taking|going|go) (this|it|my complaint|the complaint|the matter|things) (any |much )?further\b|\b(go|going) (any |much )?further with (it|this|my complaint|the complaint)\b|\b(want|like|need|ask)( for)? (it|this|my complaint|the complaint|the matter|the decision)? ?(to be )?(reviewed|looked at again)\b|\b(can|could|should) (this|it|my complaint|the complaint|the decision|the matter) be (reviewed|looked at|considered) by|\b(want|like|need|ask|please|request)\b.{0,40}\b(reviewed|looked at|considered) by (the |your |a |an |someone |somebody )?(director|more senior|senior|manager|independent|quality)\b|\b(want|like|need|ask|please|request)\b.{0,40}\b(reviewed|looked at|considered|looked into|investigated) by (someone|somebody|a person|another person|anyone|anybody) (else|new|different|independent|outside)\b|\b(refer|referred|pass|send|forward|put|take) (it|this|the matter|my complaint|the complaint|my case)? ?(up |on )?to (your|the|a) (director|head|senior)\b|\bwho is (above|over) you\b|\b(up|higher up) the (chain|ladder)\b|\b(pass|send|kick|move|bump) (this|it|my complaint|the complaint|the matter) (up|upstairs|higher)\b|\btake (this|it) (higher|upstairs)\b|\b(want|like|need|ask for|asking for|request|requesting|demand) a second opinion\b|\bsomeone (who (wasn'?t|was not|isn'?t|is not|hasn'?t been) involved|independent|higher|more senior|above)\b|\b(want|like|request|ask for|need|demand) (a|an) (formal|full|proper|independent) (investigation|review)\b|\bas (my|our|a|an|his|her|their)( \w+'s)? (formal )?appeal\b|\b(wish(es)?|wants?|would like|'d like) to appeal against (this|your|the) (decision|outcome|response|findings?)\b|\bhow (do|can|would|should) (i|we) (escalate|appeal|go further|take (this|it) further)\b|^\s*(the )?next stage,? please\b|\bnext stage please\b|\b(want|like|need|ask|demand|request)( to)? (speak|talk) to (your|the|a|someone|somebody)( more)? ?(senior|manager|director|boss|head|line manager|superior)\b|\b(like|want|ask|please|could|can|would)\b.{0,40}\blook at (it|this|my complaint|the decision) again\b|\b(want|like|need|ask|request|please)\b.{0,20}\b(someone|somebody|a person|people) (else |outside (of )?(the |your )?\w+ |independent )?(who|that) ((doesn'?t|does not|don'?t|do not|isn'?t|is not|wasn'?t|was not|weren'?t|hasn'?t|has not|haven'?t|didn'?t|did not) (work|involved|been involved|know|have anything|part|connected)|(has|had|have) (no|nothing to do with|never had any) ?(connection|link|involvement|ties|part|the)?)\b.{0,60}\b(look (at|into|over)|review|go (over|through)|investigate|re-?examine|deal with|handle) (this|it|my complaint|the complaint|the decision|the outcome|the matter|my case|the response|your response)\b|\b(want|like|need|ask|request)( for)? (the|your) (quality|senior|management|complaints|independent|director'?s|head'?s|governance)( \w+)? ?(people|team|manager|managers|department|lead|office|panel|person|staff)? to (look (at|into|over)|review|go (over|through)|re-?examine|investigate|check) (this|it|my complaint|the complaint|the decision|the outcome|the matter|my case|the response|your response)\b|\b(please|could|can|would|will)( please)? (the|your) (quality|senior|management|complaints|independent|governance|director'?s|head'?s)( \w+)? ?(people|team|managers?|department|lead|office|panel|person|staff) (please )?(look at|look into|review|go over|go through|re-?examine|investigate|check) (this|it|my complaint|the complaint|the decision|the outcome|the matter|my case|the response|your response)\b|^(stage|cam|etap|etapa) (2|3|two|three|dau|tri)$|^(i'?m |i am )?not accepting (this|that|it)\b",
        ),
        cue(
            Escalate,
            "asks to take it further, to someone else",
            r"\b(like|want|wish|need|ask|asking)( for)? (this|it|my complaint|the complaint|the matter) (to be )?(passed|sent|referred|forwarded|handed|taken) (up )?to (your|the|a|an|someone) ?(\w+ )?(director|head|senior|quality|next stage|stage (2|3|two|three)|complaints (team|manager|lead)|chief executive|ceo|principal|board|governors|more senior)\b|\b(like|want|wish|need|ask|asking)( for)? (the|your|a|an) (director|head|chief executive|ceo|principal|quality (team|manager|lead|director)|senior manager|manager above you|someone (more )?senior) to (see|look at|review|read|consider|deal with|have a look at|decide (on)?) (this|it|my complaint|the complaint|the matter|my case|the response|your response|the decision|your decision|the outcome)\b|\b(like|want|wish|need|ask|asking)( for)? (someone|somebody|a person) (else|different|new|independent) to (review|look at|look into|reconsider|re-?examine) (this|it|my complaint|the complaint|the matter|my case|the response|your response|the decision|your decision|the outcome)( again)?\b|\b(like|want|wish|need|ask|asking)( for)? (someone|somebody|a person) (else|different|new|independent) to (deal with|handle|consider|decide (on)?) (my complaint|the complaint|my case|the response|your response|the decision|your decision|the outcome)\b|\b(can|could|may|should) (this|it|my complaint|the complaint|the matter) (please )?(go|be taken|be escalated|be passed) (any |much )?(further|higher)\b|\b(don'?t|do not) think you should be (the (one|person) )?(deciding|dealing with|handling|looking at|judging|investigating) (this|it|my complaint)\b",
        ),
        cue(
            Escalate,
            "asks to take it further (Welsh)",
            r"\b(g|c|ngh|ch)am (2|3|dau|tri|nesaf)\b|\b(mynd|symud) ymlaen i\b|\bapelio\b|\buwchgyfeirio\b|\b(mynd|fynd) (a|â)\b.{0,30}\bymhellach\b|\b(gofyn am|hoffwn( gael)?|rwyf am gael|dw i eisiau|rydw i eisiau|rwy'?n gofyn am) adolygiad\b|\b(hoffwn|dw i eisiau|dwi eisiau|rydw i eisiau|rwyf am|rwyf eisiau)( i)? (r|rh)ywun (uwch|arall|annibynnol)\b",
        ),
        cue(
            Escalate,
            "asks to take it further (other language)",
            r"\bodwołać się\b|\bodwołuję się\b|\b(złożyć|składam|chcę złożyć) odwołanie\b|\bodwołanie od\b|\b(etap|etapu|etapie) (2|drugi|kolejny|następny)|\beskal\w*|\b(contest|contestez|contestăm|contestație|contestatie)\b|\betapa (2|a doua|următoare|urmatoare|siguiente|seguinte)|\b(merg|mearga|meargă|trimiteți|trimiteti|trimis|dus|duce|duceți|duceti)\b.{0,20}\bmai departe\b|\b(apelar|recurrir|recorrer|reclamar más arriba)\b|\b(siguiente|segunda|próxima|proxima) (etapa|fase|instancia)|\bescalar\b|\bfaire appel\b|\b(étape|etape) suivante\b|\bnächste stufe\b|\b(einspruch|widerspruch)\b|\bricorso\b|\bfase successiva\b|اپیل|اگلے مرحلے|استئناف|تصعيد|المرحلة (الثانية|التالية)|\b(następnego|kolejnego|drugiego|wyższego) etapu\b|\bwyższ\w* rang\w*|\bprzekaza\w* .{0,30}\bprzełożon\w*|\b(fac|face|facem|depun|depunem) (un )?apel\b|\b(vreau|doresc|aș dori|as dori|cer)\b.{0,40}\bdirector\w*|\b(vreau|doresc|aș vrea|as vrea|aș dori|as dori)\b.{0,10}\baltcineva\b|\bfase (2|dois|duas|seguinte)\b|\b(passar|levar|enviar) (a |minha |a minha )?(reclamação|reclamacao|queixa)\b.{0,30}\b(fase|etapa|instância|instancia)\b|\balguém (superior|mais acima|acima)\b|\balguien (superior|de más arriba|por encima)\b|\bagl[ae] (stage|marhal[ae])\b|\baage (le ja|bhej|barh)\w*|\b(manager|director|senior) (ko|tak) bhej\w*",
        ),
        cue(
            Escalate,
            "asks to take it further, to someone else",
            r"\b(like|want|wish|need|ask|asking|please|possible|could|can|would|might)\b.{0,30}\b(someone|somebody|a person|another person|anyone|anybody) (else|different|new|independent|more senior|senior|outside|higher up)\b( \w+){0,3}? (to |please )?(review|look at|have a look at|take a look at|look into|look over|reconsider|re-?examine|go over|go through) (this|it|my complaint|the complaint|the matter|my case|the response|your response|the decision|your decision|the outcome)\b|\b(like|want|wish|ask|asking|request|requesting|please)\b.{0,40}\b(considered|dealt with|handled|looked at|treated|investigated|heard|reviewed|taken forward) (formally|as a formal complaint|at the formal stage|under the formal (stage|procedure|process))\b",
        ),
        cue(
            Escalate,
            "asks to take it further, to someone else (other language)",
            r"\b(otra persona|alguien (mas|distinto|diferente|independiente|ajeno))\b.{0,40}\b(revis|examin|estudi|mir|valor)\w*|\b(outra pessoa|alguem (mais|diferente|independente))\b.{0,40}\b(revej|rever|revis|analis|examin|olh)\w*|\b(ktos inny|inna osoba|innej osoby|ktos niezalezny)\b.{0,40}\b(rozpatrz|sprawdz|przejrz|przeanaliz|zajal|zajela|zajmie|spojrz)\w*|\bquelqu'un d'autre\b.{0,40}\b(examin|revoi|revo|regard|etudi)\w*|\bjemand (anderes|anderer|anders|unabhangiges|unabhangiger)\b.{0,40}\b(pruf|ansieht|anschaut|ansehen|uberpruf)\w*|\bqualcun (altro|altra)\b.{0,40}\b(esamin|rived|guard|controll)\w*|\b(hoffwn|dw i eisiau|dwi eisiau|rydw i eisiau|rwyf am|rwyf eisiau|gofynnaf)\b.{0,50}\b(yn ffurfiol|(g|c)am ffurfiol)\b",
        ),
        // --- not satisfied with the response ---
        cue(
            Escalate,
            "is not satisfied with the response",
            r"\b(i'?m|i am|we'?re|we are|i remain|we remain)( still)? (not|far from|less than) (at all )?(happy|satisfied|content)\b|\bnot (happy|satisfied|content) with (it|this|that|the|your)\b|\b(i'?m|i am|we'?re|we are) (still )?(unhappy|dissatisfied)\b|\b(this|that|it|the response|your (response|reply|answer)) (is|isn'?t|is not|was not|wasn'?t) (not )?(acceptable|good enough)\b|\b(is|isn'?t|is not)( simply)? not good enough\b|\bisn'?t good enough\b|\b(is|'s|remains|are|'re) (still |completely |totally |simply |just )?unacceptable\b|\bcan'?t accept\b|\bcannot accept\b|\b(do not|don'?t|does not|doesn'?t|did not|didn'?t) accept (this|the|your|that)\b|\b(i|we) disagree\b|\b(i|we) (do not|don'?t|still don'?t|still do not|cannot|can'?t) agree\b|\b(i'?m|i am|we'?re|we are) not accepting\b|\b(remain|remains|is still|are still) (dissatisfied|unhappy|unsatisfied|not satisfied)\b|\bnot (willing|prepared) to (leave|accept|let)\b|\b(this|that|it|the response|your (response|reply|answer|letter)) (does not|doesn'?t|did not|didn'?t) (fix|answer|address|deal with|resolve|explain|cover)\b|\b(doesn'?t|does not) (deal|deals) with what i complained\b|\bnot a fix\b|\bthat is not a fix\b|\b(don'?t|do not) (feel|think|believe) (that )?(the matter|this|it|my complaint|the complaint) (is|has been) (resolved|sorted|dealt with|put right)\b|\b(don'?t|do not|doesn'?t|does not) (feel|think|believe|consider)( that)? (the|my|our)( \w+){0,2}? (problem|issue|matter|complaint|concern|point)s?( \w+){0,4}? (is|are|has|have) (really |properly |fully |actually |been )*(resolved|sorted|dealt with|put right|answered|addressed)\b|\b(this|that|it|the response|your (response|reply|answer|letter)) (hasn'?t|has not) (sorted|fixed|resolved|solved|answered|addressed) (anything|nothing|it|the problem|my problem|the issue|a thing|my complaint|the complaint)\b",
        ),
        cue(
            Escalate,
            "is not satisfied with the response (Welsh)",
            r"\bddim yn (fodlon|hapus)\b|\banfodlon\b|\bannerbyniol\b|\b(nid|nad) (wyf|ydw|ydym|ydyn|ydych)( i| ni)? (yn )?(fodlon|hapus)\b|\b(nid|nad) yw\b.{0,25}\byn (dderbyniol|ddigon da|ddigonol)\b|\bddim yn (dderbyniol|ddigon da|ddigonol)\b|\b(ddim|nid wyf|nad wyf) yn (credu|meddwl|teimlo)\b.{0,40}\bwedi('i| ei)? (d|dd)atrys\b",
        ),
        cue(
            Escalate,
            "is not satisfied with the response (other language)",
            r"\bnie jestem zadowolon\w*|\bniezadowolon\w*|\bnie akceptuję|\bnu sunt (mulțumit|multumit)\w*|\bnemulțumit\w*|\bnemultumit\w*|\bnu accept\b|\bno estoy (satisfech|content|conforme)\w*|\binsatisfech\w*|\bno es aceptable\b|\b(es|sigue siendo) (totalmente )?inaceptable\b|\bnão estou (satisfeit|content)\w*|\bnao estou (satisfeit|content)\w*|\binsatisfeit\w*|\b(é|continua) (totalmente )?inaceitável\b|\bpas (satisfait|content)\w*|\binsatisfait\w*|\bnicht zufrieden\b|\bunzufrieden\b|\bnon sono soddisfatt\w*|\binsoddisfatt\w*|مطمئن نہیں|ناخوش|غير راض|لست راضي|لست راضية|غير مقبول|\bnie zgadzam się\b|\bnu (pot|putem) accepta\b|\bnu sunt de acord\b|\bno estoy de acuerdo\b|\bnão concordo\b|\bnao concordo\b|\bnão resolve (nada|nenhum)|\b(mutmaen|mutmain|mutmayin) nahi\b|\btheek nahi hai\b|\bpas d'accord\b|\bnicht einverstanden\b",
        ),
        // --- a different matter ---
        cue(
            NewMatter,
            "raises a different matter",
            r"\b(a |an )?(different|separate|new|another|second|unrelated) (problem|matter|issue|complaint|incident)\b|\b(it'?s|this is|it is|this) (not|isn'?t|is not) (about|to do with|related to|part of) my complaint\b|\b(nothing to do|unrelated) (with|to) my complaint\b|\bsomething else (has )?(happened|come up|came up|cropped up)\b|\b(this|it) is about something (else|different)\b|\bsomething else (now|entirely)?\b.{0,40}\bcomplain|\bmake a (new |separate |fresh )?complaint about (that|this|something)\b|\bcomplain about (that|this|it) (separately|too|as well)\b|\bcomplain separately\b|\bo alta problema\b|\bplangere separata\b|\b(otro|otra) (problema|asunto|queja)\b|\bnueva queja\b|\binna sprawa\b|\bnowa skarga\b|\b(c|g)wyn (newydd|wahanol|arall)\b|\bmater (arall|gwahanol|newydd)\b|\bproblem (arall|wahanol|newydd)\b|\bo nouă plângere\b|\bnova reclamação\b|\boutro (problema|assunto)\b|^((a |on a )?(completely |totally |entirely )?(different|separate|unrelated) (thing|subject|topic|matter|issue|note)|something (completely |totally |entirely )?(different|unrelated|else entirely))\b|^(separately|on a (separate|different) note|on another (note|matter)|unrelated(ly)?|also,? unrelated)\b.{0,40}\b(complain\w*|concern\w*|(want|like|need|have) to (report|raise|mention|tell you)|problem|issue)\b",
        ),
        // --- asks for news ---
        cue(
            Chase,
            "asks for news",
            r"\bany (further |more )?(update|updates|news|progress|word)\b|\b(just )?following (up|this up) (on|about) (my|the|this|our) (complaint|e-?mail|message|letter|refund|case|query|concern)\b|\bnothing (has )?(come|came) through\b|\bstill nothing\b|\bstill (hasn'?t|has not|haven'?t|have not|not) (come|arrived|been|turned up|gone through)\b|\b(hasn'?t|has not|haven'?t|have not) yet (arrived|come through|come back|been (paid|refunded|credited|received|sent|booked))\b|\b(hasn'?t|has not|haven'?t|have not) (arrived|come through|come back|been (paid|refunded|credited|received|sent|booked))( \S+){0,4} yet\b|\bchase (it|this|that) up\b|\bwhat('?s| is) (happening|going on)\b|\b(tell|let) me know when (\w+ ){1,3}(will|is going to|'ll) (reply|respond|get back|be in touch|ring|call|write)\b|\b(it|the (reply|response|answer|decision|letter|outcome)) (was|is) (due|meant|supposed) (on|by|last|to (reply|respond|hear|be sent|come))\b|\bwhen (i|we) (might|will|would|can|could|should) (hear|get|expect)\b|\b(said|says|told me) (i|we) (would|should|will) hear\b|\b(nobody|no ?one|no-one)'?s (replied|responded|rung|called|phoned|been in touch|got back)\b|\bcome and gone\b|\bwhere (my|this|it|the) (\S+ ){0,3}(has got to|is up to|is at)\b|\bstill waiting\b|\b(haven'?t|have not|hasn'?t|has not|not) (heard|had|received) (anything|back|a (reply|response|word|letter))\b|\blet me know where (things|it|this|my complaint|the complaint) (are|is|stands?)\b|\bwhere (this|it|things|my complaint) (is|are) up to\b|\bwhat is happening with\b|\bis (anyone|anybody|someone) (looking|dealing)\b|\bwhen (will|can|should|do) i (actually |finally |ever )?(expect|get|hear|receive)\b|\b(tell|let) me (know )?when (i'?ll|i will|i can|i'?m going to|to expect) (hear|get|receive|expect)\b|\bjust checking\b|\bnothing (since|yet|so far)\b|\bwho is (dealing|handling|looking)\b|\b(no-?one|nobody|no one) has (phoned|called|rung|replied|contacted|got back|been in touch)\b|\bdate .{0,30}\b(has|have) (passed|been and gone|gone)\b|\bchas(e|ing) (this|my|up)\b|\b(was|am) (due|told|promised) .{0,40}\b(reply|response|answer)\b.{0,40}\b(by|on|today|before)\b|\bno (reply|response|answer) (yet|since)\b|\b(heard|had) nothing\b|\bunrhyw newyddion\b|\bdal i aros\b|\b(unrhyw|oes( yna)?( unrhyw)?) (ddiweddariad|diweddariad|newyddion)\b|\bheb (glywed|gael|cael) (dim|unrhyw|ateb|ymateb|gair)\b|\b(nid wyf|dydw i ddim|dw i ddim|dwi ddim) wedi (clywed|cael) (dim|unrhyw|ateb|ymateb)\b|\bpryd (y )?(bydda i|byddaf|fydda i|fyddaf|ga i|caf|gaf|bydd|fydd|gawn|cawn)\b.{0,30}\b(ateb|ymateb|clywed|newyddion|penderfyniad)\b|\b(nadal|wciąż|ciągle) czekam\b|\bczy (jest )?(jakaś|jakieś)? ?(informacj|odpowied|nowoś|wiadomoś)\w*|\bvreo noutate\b|\b(încă|inca) (aștept|astept)\b|\b(alguna|hay alguna|alguna otra) novedad\b|\btodavía (no sé|no se|espero|estoy esperando|no he)\b|\bsigo esperando\b|\balguma novidade\b|\bainda (estou )?(a )?(aguard|esper)\w*|\bainda não (recebi|tive|sei)\b|\bdes nouvelles\b|\bj'attends toujours\b|\bneuigkeiten\b|\bwarte (immer )?noch\b|کوئی اپڈیٹ|ابھی تک انتظار|أي تحديث|ما زلت أنتظر|لم أتلق",
        ),
        // --- asks to withdraw the complaint ---
        cue(
            Withdraw,
            "asks to withdraw the complaint",
            r"\bwithdraw(ing)? (my|the|this|our|her|his|their) (complaint|concern|case|grievance|appeal)\b|\bcan (we|you) (just |please )?(close|drop|cancel) (it|this|my complaint|the complaint)\b|\b(please|could you|can you|would you|kindly|like (you )?to|want (you )?to|wish to|like to|want to|going to|decided to)( please)? (withdraw|retract) (it|this|that)\b|\b(please |could you |can you |would you |kindly )(close|cancel|drop) (my|the|this) (complaint|case)\b|\b(close|cancel|drop|withdraw) (my|the|this) complaint,? please\b|\bno longer (wish|want|need) to pursue (it|this|the complaint|my complaint|the matter)\b|\b(no longer (wish|want|need)|(don'?t|do not) want) to (pursue|go ahead with|proceed with|carry on with|continue with) (the complaint|my complaint|this complaint|the matter|(it|this)( any (more|longer|further))?$)|\b(i'?d|i would|i'?ll|i will|i'?m going to|i want to|i'?d rather|i would rather)( just)? (drop|dropping) (the whole thing|this complaint|the complaint|my complaint|the matter)\b|\b(don'?t|do not) want to pursue (it|this|the complaint|my complaint)\b|\b(you can|you may|feel free to|happy for you to|you'?re welcome to) (close|cancel|drop) (it|this)( now| then| off)?$|\b(you can|you may|feel free to|happy for you to|please) (close|cancel|drop) (the case|my case|the complaint|my complaint)\b|\b(not going to|won'?t|will not|don'?t want to|do not want to) (take|pursue|push) (this|it|the complaint|my complaint|things) (any )?further\b|\b(i'?d|i would|we'?d|we would) (rather not|prefer not to) (take|pursue|push|carry on with|go ahead with|continue with) (this|it|things|the complaint|my complaint|the matter)( any)?( further| more)?\b|\b(can|could|shall) we (just )?leave it (there|at that)\b|\b(no longer (wish|want|need)|(don'?t|do not) want) to (pursue|go ahead with|proceed with|carry on with|continue with) (it|this)( now| any ?more| any longer| after all)?(,| as | because | since )|\b(he|she|they|my (son|daughter|client|child|husband|wife|partner|grandson|granddaughter)|the learner) (no longer (wishes|wants)|(doesn'?t|does not|don'?t|do not) (want|wish)) to (pursue|go ahead with|proceed with|carry on with|continue with) (it|this|the complaint|his complaint|her complaint|their complaint|the matter)\b",
        ),
        cue(
            Withdraw,
            "asks to withdraw the complaint (Welsh)",
            r"\b(t|d|nh)ynnu('r| fy| y| ei)? (g|ng|ngh|c|ch)(w|ŵ)yn\b.{0,15}\b(yn ol|yn ôl)\b|\b(t|d|nh)ynnu (hi|hon|hyn|e|o) (yn ol|yn ôl)\b|\b(g|c|ch)au('r| fy| y| ei)? (g|ng|ngh|c|ch)(w|ŵ)yn\b|\bgallwch (chi )?(ei |eu )?(g|ch)au\b|\b(ddim|dim) (eisiau|am) (fwrw|bwrw|mynd) ymlaen\b",
        ),
        cue(
            Withdraw,
            "asks to withdraw the complaint (other language)",
            r"\bwycofa\w* (moj\w* |t\w* )?(skarg|reklamacj)\w*|\b(zamkn|zamyk)\w* (moj\w* |t\w* )?skarg\w*|\b(retirar|retiro|cancelar) (mi |la |a |minha |a minha )?(queja|reclamación|reclamacion|queixa|reclamação|reclamacao)\b|\b(cerrar|cierren|encerrar|encerrem|fechar) (mi |la |a |minha |a minha )?(queja|reclamación|reclamacion|queixa|reclamação|reclamacao)\b|\b(retrag|retrage\w*|închide\w*|inchide\w*|anula\w*) (plângerea|plangerea|reclamația|reclamatia|sesizarea)\b|\bcomplaint (wapas|waapas|khatam|band)\b|\b(retirer|retire|annuler|annule) (ma|la|cette) (plainte|réclamation|reclamation)\b|\b(zurückziehen|zuruckziehen|ziehe) (meine|die) beschwerde\b|\bbeschwerde (zurück|zuruck)\w*|\britir\w* (il|la mia) reclamo\b|\bya no (quiero|deseo|quisiera) (seguir|continuar|proseguir)\b|\bno (quiero|deseo) (seguir|continuar|proseguir) (adelante )?con (la queja|mi queja|la reclamacion|esto|ello)\b|\b(ja nao|nao) (quero|desejo) (prosseguir|continuar|seguir) com\b|\bnie chce (dalej )?(kontynuowac|ciagnac|prowadzic) (tej |mojej )?(sprawy|skargi)\b|\brezygnuje (ze|z) (skargi|sprawy|reklamacji)\b|\bnu mai (vreau|doresc) sa (continui|merg mai departe)\b|\brenunt (la )?(plangere|reclamatie|sesizare)\w*|\bje ne (souhaite|veux) plus (poursuivre|donner suite)\b|\bje renonce a (ma|la) (plainte|reclamation)\b|\bnicht (mehr )?weiter ?(verfolgen|fuhren)\b|\bnon (voglio|desidero) piu (procedere|proseguire|continuare)\b|\brinuncio al reclamo\b",
        ),
        // --- thanks and satisfaction ---
        cue(
            Thanks,
            "thanks, or says it is sorted",
            r"\bthank(s| you)\b|\bcheers\b|\bmuch appreciated\b|\bgrateful\b|\b(that'?s|it'?s|that is|it is|all|everything is|everything'?s|it has|has been) (now )?(all )?(sorted|resolved|fine|great|brilliant|perfect|all i needed)\b|\ball (sorted|good|fine)\b|\bhappy (with (that|this|the (outcome|response))|for you to close)\b|\bsorted (everything|it|this) out\b|\bweight off my mind\b|\bproblem solved\b|\bno further action\b|\b(you can|please) close\b|\b(i'?ll|i will|we'?ll|happy to) leave it (there|at that)\b|\b(won'?t|will not|not going to) (be )?(tak(e|ing)|push(ing)?|pursu(e|ing)) (it|this|things|the matter)( any)? further\b",
        ),
        cue(Thanks, "accepts the response", ACCEPTS),
        cue(
            Thanks,
            "thanks, or says it is sorted (Welsh)",
            r"\bdiolch\b|\bwedi('i| ei)? (datrys|ddatrys|setlo|sortio)\b|\bwedi cyrraedd\b|\bpopeth yn iawn\b|\b(rwy'?n|rydw i'?n|dw i'?n|rwyf yn|yr wyf yn) (fodlon|hapus) (gyda|efo|a|â|ar)\b|\bgallwch (chi )?gau\b",
        ),
        cue(
            Thanks,
            "thanks, or says it is sorted (other language)",
            r"\b(dziękuję|dziekuje|dzięki|dzieki|dziękujemy)\b|\bsprawa jest\b.{0,20}\bzamknięta\b|\bzałatwion\w*|\b(mulțumesc|multumesc|mulțumim|multumim)\b|\bsunt (mulțumit|multumit)\w* de\b|\brezolvat\w*|\b(gracias|agradezco|agradecida|agradecido)\b|\bresuelto\b|\b(obrigad[oa]|agradeço)\b|\b(está|esta) (tudo )?resolvido\b|\bmerci\b|\b(danke|vielen dank)\b|\bgrazie\b|\b(labai )?(ačiū|aciu)\b|\b(bedankt|dank je|dank u)\b|شکریہ|مہربانی|شكرا|شكراً|تم حل",
        ),
    ]
});

/// The writer accepts the response in so many words, or says no more is
/// needed ("I accept what you've said", "there's no need to escalate this
/// any further"): their unhappiness about what happened is not a request.
pub(super) const ACCEPTS: &str = r"\b(i|we) (do |fully |now |will |can )?accept (what you'?ve (said|found|decided)|what you have (said|found|decided)|the (outcome|decision|response|findings)|your (response|decision|findings))\b|\bno need to (escalate|take|push|pursue) (this|it|things|the matter|my complaint)( any)?( further)?\b|\b(rwy'?n|rydw i'?n|dw i'?n|dwi'?n|rwyf yn) derbyn (eich|yr|y) (ymateb|penderfyniad|canlyniad)\b";

/// Words that turn a request to take it further into its opposite ("no
/// need to take it any further", "I don't want to appeal").
pub(super) static NEGATED_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(no need|not need|don'?t need|do not need|don'?t want|do not want|won'?t|will not|not going|no intention|not planning|not looking|wouldn'?t|would not|rather not|not wish|don'?t wish|no longer)\b|\bnie (chcę|muszę|ma potrzeby)\b|\bno (quiero|necesito|hace falta|es necesario)\b|\bnão (quero|preciso|é necessário)\b|\bnu (vreau|este nevoie|e nevoie)\b|\bdim angen\b|\bnid oes angen\b|\bdydw i ddim eisiau\b|\b(dw i|dwi) ddim (eisiau|isio|am)\b|\bdydw i ddim am\b|\bnid wyf (eisiau|am)\b",
    )
});

/// Words of doubt beside thanks ("thanks … I'm still not sure"): the reply
/// is not plain satisfaction. (A question mark is doubt too; sentences are
/// read without their marks, so the reader checks that apart.)
pub(super) static DOUBT: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(though|however|but|still not sure|not sure|unsure|confused|don'?t understand|before i decide|(haven'?t|have not|not) (yet )?decided|decide what to do|consider my options|think about what to do|pero|sin embargo|ale|jednak|dar|însă|insa|mas|porém|ond)\b",
    )
});

/// A line that only signs off ("Thanks", "Many thanks,", "Diolch",
/// "Diolch ymlaen llaw", "Cofion cynnes"): the
/// courtesy under an answer is not thanks for the outcome.
pub(super) static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"^(many |kind |best |warm )?(thanks|thank you|regards|wishes|cheers|diolch|diolch yn fawr( iawn)?|diolch o galon|cofion|cofion (gorau|cynnes)|yn gywir|hwyl|hwyl fawr|pozdrawiam|saludos|un saludo|cu stimă|cu stima|obrigad[oa]|gracias|dzięki|ta)( again| in advance| so much| eto| ymlaen llaw)?[,.!]*$",
    )
});

/// Words that make a cue hypothetical ("if you are not satisfied, you can
/// ask for Stage 2", as our own response says and a quoted copy repeats).
pub(super) static HYPOTHETICAL: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(if|unless|whether|should you|in case|os (ydych|nad ydych|hoffech|ydw|yw)|jeśli|jeżeli|dacă|daca|wenn|falls|si)\b|اگر|إذا",
    )
});

/// A header line of a quoted message in any language ("From: Name
/// <addr>", "Oddi wrth: …", "发件人: …"): the start of history the quote
/// stripper may not know, which is not read for intent.
pub(super) static HEADER_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[^\s:：][^:：]{0,30}[:：]\s*\S").expect("static regex"));

/// What settles a doubt when it follows the doubt in the same sentence:
/// "disappointed it took a complaint, but I'm glad it's sorted", "not quite
/// what I hoped for, but I'll leave it there".
pub(super) static SETTLED: LazyLock<Regex> = LazyLock::new(|| {
    folded(&format!(
        r"\b(glad|happy|pleased|relieved|content) (that )?(it'?s|it is|it has|it was|it got|things are|this is|this has|with the (answer|outcome|response|result|apology))\b|\b(don'?t|do not) have the energy to\b|{CLOSES}|\b(i'?ll|i will|happy to) leave it (there|at that)\b|\b(won'?t|will not|not going to) (be )?(tak(e|ing)|push(ing)?|pursu(e|ing)) (it|this|things|the matter)( any)? further\b|\bhopefully (it )?(won'?t|will not)\b|\b(i )?can live with\b|\bi can see (you|that you)\b|{ACCEPTS}",
    ))
});

/// Words that close the matter ("you can close it", "I'll leave it
/// there", "no need to take it any further"): they settle a doubt written
/// before them, in the same sentence or an earlier one.
pub(super) const CLOSES: &str = r"\b(you can|you may|please|happy for you to|feel free to) close (it|this|the case|my case|the complaint|my complaint)\b|\b(i'?ll|i will|happy to|we'?ll|we will) leave it (there|at that)\b|\bno need to (take|push|pursue|escalate) (this|it|things|the matter|my complaint)\b|\b(won'?t|will not|not going to) (be )?(tak(e|ing)|push(ing)?|pursu(e|ing)) (it|this|things|the matter)( any)? further\b";

/// Polite formulas that hold an "if" and mean "please" ("os gwelwch yn
/// dda", "if that's ok", "I wonder whether it might be possible for…"):
/// read as "please", so they neither make a request hypothetical nor a
/// condition.
pub(super) static POLITE: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\bos gwelwch( chi)?('n| yn) dda\b|\bif (that'?s|that is|it'?s|it is) (ok|okay|alright|all right|fine)( with you)?\b|\bif you (don'?t|do not) mind\b|\bif (at all )?possible\b|\b(i )?(was |am |'m )?wonder(ing)? (if|whether) (it (might|would|could|may) be possible (for|to)|you (could|might|would|can))\b|\bs'il (vous|te) plait\b|\bsi us plau\b",
    )
});

/// Thanks for a step of the procedure, not for an outcome ("thanks for
/// confirming", "thanks for your email"): courtesy before the point.
pub(super) static COURTESY_THANKS: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"^(hi |hello |dear \w+ )?(\w+ )?(many )?thank(s| you)( \w+)? for (confirming|letting me know|getting back( to me)?|explaining|clarifying|asking|the explanation|the information|your (email|e-?mail|reply|message|response|quick (reply|response)|letter)|the (update|acknowledge?ment|email|reply|message|confirmation))\b",
    )
});

/// A question about how the procedure works ("does it go straight to
/// Stage 2?", "do I have to ask for the Stage 2 review myself?"): asks how,
/// not for it to happen.
pub(super) static PROCEDURE_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    folded(
        r"\b(do|does) (i|it|this|that|we|the complaint|my complaint|a complaint)( \w+){0,6} $|\bis (it|this|that) (automatically|then|still|just)( \w+){0,4} $",
    )
});

/// A condition straight after a cue ("… further if you refund me"): the
/// cue is what the writer will do on that condition, not now.
pub(super) static CONDITION_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    folded(r"^\W*(if|unless|provided|as long as|so long as|once|jeśli|jeżeli|dacă|daca|os|si)\b")
});

/// Words quoted from our own mail inside the reply's text ('your email
/// says "you can then ask for Stage 2"'): ours, not the writer's.
pub(super) static QUOTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?P<frame>\b(your|the|his|her|their) (letter|e-?mail|response|reply|message|acknowledge?ment|policy|website|leaflet|procedure) (says|said|states|stated|reads|read)\s*:?)\s*"[^"\n]{10,400}""#)
        .expect("static regex")
});
