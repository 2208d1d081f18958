//! Cue lists per language: the words people use in the languages our users'
//! correspondents write in, for each kind and each flag.
//!
//! English is the lexicon's own language (`lexicon.rs`), with the Welsh that
//! shares an English cue's structure. Here each language has its own list,
//! written from the language (not translated cue by cue, and not fitted to any
//! labelled batch), so that a Polish safeguarding concern or a Romanian thank
//! you is read as such even where the learned layer has seen few examples.
//!
//! Patterns run on text that is normalised and then stripped of accents
//! ([`fold_accents`](crate::core::text::fold_accents)), because many people
//! type Polish, Romanian, Spanish or Portuguese without them; so patterns are
//! written without accents (`dziekuje`, `multumesc`, `reclamacao`).

use super::lexicon::Class;
use crate::core::kind::Flag;
use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// What a cue speaks for.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// Points towards a kind.
    Kind(Class, f32),
    /// Raises a flag.
    Flag(Flag),
}

/// One cue of one language.
pub(super) struct LangCue {
    pub(super) target: Target,
    /// The reason, with the language named, e.g. "expresses dissatisfaction (Polish)".
    pub(super) name: String,
    pub(super) re: Regex,
}

use Class::{Comment, Complaint, Compliment, Other};
use Target::{Flag as F, Kind as K};

/// Explicit complaint words weigh as much as the English "I want to complain".
const SAYS_COMPLAINT: f32 = 4.0;
const DISSATISFIED: f32 = 3.0;
const WENT_WRONG: f32 = 1.2;
const WANTS_ACTION: f32 = 2.0;
const THANKS: f32 = 2.0;
const PRAISE: f32 = 1.0;
const SUGGESTS: f32 = 2.0;
const ASKS: f32 = 1.5;

type Table = &'static [(Target, &'static str, &'static str)];

const WELSH: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(cwynion|hoffwn (wneud |gwneud )?gwyno|rwy'?n cwyno|dw i'?n cwyno|am gwyno)\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(annheg|ddim yn deg|llond bol|gwarthus|ofnadwy|cywilyddus|ddim yn ddigon da|ddim yn dderbyniol)\b",
    ),
    (
        K(Complaint, WENT_WRONG),
        "something went wrong or no reply",
        r"\b(dim ateb|heb (gael )?ateb|heb glywed|dal i aros|dal heb|wedi'?i ganslo|wedi ei ganslo|canslwyd|ar goll|anghywir|camgymeriad|wedi methu)\b",
    ),
    (
        K(Complaint, WANTS_ACTION),
        "asks for an explanation or action",
        r"\b(eglurhad|ymddiheuriad|hoffwn gael ymateb|beth (ydych chi'?n|rydych chi'?n) (mynd i'?w )?wneud)\b",
    ),
    (
        K(Compliment, THANKS),
        "thanks or praises",
        r"\b((hoffwn|hoffem|rydw i eisiau|dw i eisiau|rwyf am|roeddwn i eisiau) (dd)?diolch|ddiolch|diolchgar|gwerthfawrogi|llongyfarchiadau|canmol|canmoliaeth|bendigedig|hyfryd|wedi mwynhau|help mawr|cymwynasgar|amyneddgar)\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(efallai y gallech|tybed a fyddai|fyddai'?n bosib|adborth|sylw bach)\b",
    ),
    (
        K(Other, ASKS),
        "asks a question",
        r"\b(tybed a allech|cwestiwn|faint (mae|yw|ydy))\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(aflonyddu|cam-?drin|camdriniaeth|camfanteisio|hunan-?niweid\w*|hunanladdiad|radicaleiddio|eithafiaeth|ddim yn teimlo'?n ddiogel|bygwth|bygythiad|oedolyn agored i niwed|esgeulus\w*|trais|cyffwrdd yn amhriodol|negeseuon amhriodol|ofn arna|lloches)\b|\bar (ei|eu) (ph|b)en (ei|eu) (hun|hunain)\b.{0,60}\b(tywyllwch|yn y nos|gyda'r nos)\b|\b(tywyllwch|yn y nos)\b.{0,60}\bar (ei|eu) (ph|b)en (ei|eu) (hun|hunain)\b",
    ),
    (
        F(Flag::HealthSafety),
        "describes a health and safety risk",
        r"\b(peryglus|perygl|anaf|anafu|anafwyd|damwain|offer diogelu|allanfa dan|drws tan|larwm tan|cymorth cyntaf|sioc drydan)\b",
    ),
    (
        F(Flag::Anonymous),
        "withholds their name",
        r"\b(dienw|ddim am roi fy enw|peidiwch (a |ag )?defnyddio fy enw|heb (roi|ddweud) fy enw)\b",
    ),
    (
        F(Flag::OnBehalf),
        "writes on behalf of someone",
        r"\b(ar ran (fy|ein|y dysgwr|fy mhrentis)|ysgrifennu ar ran|ar ei (rh|r)an\b|fy (merch|mab|wyres|wyr)\b.{0,60}\b(yn|oed|'n) (1[4-9]))",
    ),
    (
        F(Flag::AssessmentAppeal),
        "disputes an assessment decision",
        r"\b(apelio yn erbyn|ail-?farcio|ailasesu|(canlyniad|penderfyniad) yr asesiad (yn )?(annheg|anghywir))\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(is-?gontract\w*|darparwr partner|partner darparu|coleg partner|canolfan bartner)\b",
    ),
    (
        F(Flag::StaffSubject),
        "is about the complaint handler or a manager",
        r"\b(cwyn am (y|fy|ein) rheolwr|yr un (person|rheolwr)|(gwyn|cwyn|nghwyn) i rywun arall|rhywun arall (i )?(ymchwilio|ymdrin)|y ffordd (y )?(deliwyd|ymdriniwyd|deliodd)|(deliwyd|ymdriniwyd) (a|ag) (fy|fy nghwyn))",
    ),
    (
        F(Flag::WelshLanguage),
        "is about Welsh-language provision",
        r"\b((dim|nid oedd|doedd dim|nad oedd|nid oes|does dim) (un )?(aseswr|tiwtor|hyfforddwr|aelod o staff|neb|person|cyfwelydd|swyddog|athro|athrawes)\w* (sy'?n|a oedd yn|oedd yn|a allai|allai|yn gallu) (siarad|medru|defnyddio) (cymraeg|y gymraeg)|(ddim yn gallu|methu|methais|gwrthod|gwrthodwyd|nid oedd modd|doedd dim modd|nid oedd yn bosib\w*|ni chefais|chefais i ddim|ches i ddim)\b.{0,60}\byn gymraeg\b|\byn gymraeg\b.{0,80}\b(nad oedd|ddim yn bosib\w*|dim yn bosib\w*|gwrthod|wrthod|gwrthodwyd|nid oedd|doedd|ddim ar gael|anwybyddu)|uniaith saesneg|safonau'?r gymraeg|safonau iaith|comisiynydd y gymraeg|(gwasanaeth|darpariaeth) (g|c)ymraeg (yn )?(wael|annigonol|ddim ar gael))",
    ),
];

const POLISH: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(skarg[aeiy]|skarge|reklamacj\w*|zazaleni\w*|(chce|chcialbym|chcialabym) (zlozyc|zglosic) skarge)\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(niezadowolon\w*|nie jestem zadowolon\w*|rozczarowan\w*|skandal\w*|niedopuszczaln\w*|nie do przyjecia|zenujac\w*|oburzon\w*|mam dosc|nieprofesjonaln\w*|niegrzeczn\w*|nieuprzejm\w*)\b",
    ),
    (
        K(Complaint, WENT_WRONG),
        "something went wrong or no reply",
        r"\b(brak (odpowiedzi|kontaktu|informacji)|nikt (sie )?(nie )?(odpowiedzial|oddzwonil|odpisal|skontaktowal)|(nadal|wciaz|ciagle) (czekam|nie)|nie przyszedl|nie przyszla|nie pojawil\w*|zgubil\w*|zagubion\w*|bledn\w*|blad|pomylk\w*|opoznien\w*|zwrot pieniedzy)\b",
    ),
    (
        K(Complaint, WANTS_ACTION),
        "asks for an explanation or action",
        r"\b(prosze o (kontakt|wyjasnienie|odpowiedz|zwrot)|oczekuje (wyjasnien|odpowiedzi|przeprosin)|przeprosin\w*)\b",
    ),
    (
        K(Compliment, THANKS),
        "says thank you",
        r"\b(dziekuje|dziekujemy|serdecznie dziekuj\w*|podziekowa\w*|jestem wdzieczn\w*|wdzieczn\w*|gratulacje)\b",
    ),
    (
        K(Compliment, PRAISE),
        "praises",
        r"\b(wspanial\w*|swietn\w*|doskonal\w*|pomocn\w*|cierpliw\w*|polecam|profesjonaln(ie|a|y))\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(sugesti\w*|propozycj\w*|proponuje|moze warto|byloby (dobrze|milo|lepiej|fajnie)|drobna uwaga)\b",
    ),
    (
        K(Other, ASKS),
        "asks a question",
        r"\b(czy (moge|mozna|moglibyscie|mogliby panstwo)|prosze o informacj\w*|(chcialbym|chcialabym) (zapytac|sie dowiedziec)|pytanie|ile kosztuje)\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(przemoc\w*|molestowan\w*|nekan\w*|przesladowan\w*|znecan\w*|wykorzystywan\w*|wykorzystuj\w*|samookalecz\w*|samoboj\w*|radykaliz\w*|zastrasz\w*|grozil\w*|grozi (mi|jej|mu|nam|im)|nie czuje sie bezpieczn\w*|boi sie|dotykal\w*|seksualn\w*|mobbing\w*|(zabral\w*|zabiera\w*|trzyma\w*|zatrzyma\w*|odebral\w*) (\w+ )?paszport\w*|potraca\w* .{0,40}(wynagrodzeni\w*|pensj\w*|wyplat\w*))\b",
    ),
    (
        F(Flag::HealthSafety),
        "describes a health and safety risk",
        r"\b(bhp|niebezpieczn\w*|wypad(ek|ku)|obrazen\w*|rann[ya]|odziez\w* ochronn\w*|srodk\w* ochrony|wyjsci\w* ewakuacyjn\w*|gasnic\w*|apteczk\w*|porazeni\w* pradem)\b",
    ),
    (
        F(Flag::Anonymous),
        "withholds their name",
        r"\b(anonimow\w*|nie podam (swojego )?(imienia|nazwiska)|bez podawania (imienia|nazwiska)|nie chce podawac (swojego )?(imienia|nazwiska))\b",
    ),
    (
        F(Flag::OnBehalf),
        "writes on behalf of someone",
        r"\b(w imieniu|(moja|mojej|moja) corka|(moj|mojego) syn\w*|piszemy w imieniu)\b",
    ),
    (
        F(Flag::AssessmentAppeal),
        "disputes an assessment decision",
        r"\b(odwola\w* (sie )?od (oceny|wyniku|decyzji)|niesprawiedliw\w* ocen\w*|ponown\w* (ocen\w*|sprawdzeni\w*))\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(podwykonawc\w*|firm\w* partnersk\w*)\b",
    ),
    (
        F(Flag::StaffSubject),
        "is about the complaint handler or a manager",
        r"\b(skarg\w* na (kierownik\w*|menedzer\w*|manager\w*|opiekun\w*)|sposob rozpatrzenia (mojej )?skargi)\b",
    ),
];

const ROMANIAN: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(plangere|plangerea|reclamati[ae]|reclamatii|vreau sa (fac|depun) o (plangere|reclamatie))\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(nemultumit\w*|dezamagit\w*|inacceptabil\w*|revoltator|(e|este) o rusine|nepoliticos|nepoliticoasa|neprofesionist\w*|m-?am saturat)\b",
    ),
    (
        K(Complaint, WENT_WRONG),
        "something went wrong or no reply",
        r"\b(nimeni nu (mi-?a )?(raspuns|sunat|contactat)|nu am primit (niciun |nici un )?raspuns|(inca|tot) astept|anulat\w*|pierdut\w*|gresit\w*|greseal\w*|intarzier\w*)\b",
    ),
    (
        K(Complaint, WANTS_ACTION),
        "asks for an explanation or action",
        r"\b(astept (o )?(explicati\w*|raspuns)|cer (o )?(explicati\w*|rambursare)|scuze)\b",
    ),
    (
        K(Compliment, THANKS),
        "says thank you",
        r"\b(multumesc|multumim|va multumesc|recunoscator|recunoscatoare|felicitari)\b",
    ),
    (
        K(Compliment, PRAISE),
        "praises",
        r"\b(minunat\w*|excelent\w*|extraordinar\w*|de mare ajutor|foarte amabil\w*|rabdare|recomand)\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(sugesti[ae]|propunere|ar fi (bine|util|mai bine)|poate ar fi)\b",
    ),
    (
        K(Other, ASKS),
        "asks a question",
        r"\b(as (dori|vrea) sa (stiu|intreb|aflu)|o intrebare|informatii despre|cat costa)\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(abuz\w*|hartui\w*|agresiun\w*|agresat\w*|violent[ae]|exploat\w*|autovatam\w*|sinucid\w*|radicaliz\w*|intimid\w*|amenint\w*|nu ma simt in siguranta|(mi-?e|ii e) frica)\b",
    ),
    (
        F(Flag::HealthSafety),
        "describes a health and safety risk",
        r"\b(periculos|periculoasa|ranit\w*|accidentat\w*|echipament\w* de protectie|iesir\w* de urgenta|stingator|trusa de prim ajutor|electrocut\w*|sanatate si securitate|securitatea muncii)\b",
    ),
    (
        F(Flag::Anonymous),
        "withholds their name",
        r"\b(anonim\w*|nu vreau sa (imi )?(dau|spun) numele|fara sa (imi )?(dau|spun) numele)\b",
    ),
    (
        F(Flag::OnBehalf),
        "writes on behalf of someone",
        r"\b(in numele (fiicei|fiului|lui|ei)|fiica mea|fiul meu)\b",
    ),
    (
        F(Flag::AssessmentAppeal),
        "disputes an assessment decision",
        r"\b(contest\w* (nota|rezultatul|evaluarea|decizia)|contestati\w*|reevaluar\w*)\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(subcontract\w*|firma partenera|(firma|compania|societatea) cu care colabor\w*)\b",
    ),
    (
        F(Flag::StaffSubject),
        "is about the complaint handler or a manager",
        r"\b(plangere (impotriva|despre) (managerul\w*|sefului|sefa|coordonator\w*))\b",
    ),
];

const SPANISH: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(queja|quejas|quejarme|reclamacion|reclamaciones|(quiero|quisiera|deseo) (poner|presentar|hacer) una (queja|reclamacion)|hoja de reclamaciones)\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(insatisfech\w*|no estoy (contento|contenta|satisfech\w*)|decepcionad\w*|inaceptable|vergonzoso|una verguenza|indignad\w*|(estoy )?hart[oa] de|maleducad\w*|grosero|grosera|poco profesional|falta de profesionalidad)\b",
    ),
    (
        K(Complaint, WENT_WRONG),
        "something went wrong or no reply",
        r"\b(nadie (me )?(ha )?(respondido|contestado|llamado)|sin respuesta|sigo esperando|todavia (no|estoy esperando)|cancelad[oa]s?|equivocad\w*|retraso)\b",
    ),
    (
        K(Complaint, WANTS_ACTION),
        "asks for an explanation or action",
        r"\b(exijo|pido (una )?(explicacion|respuesta|disculpa)|quiero (una )?(explicacion|respuesta|disculpa|devolucion)|reembolso)\b",
    ),
    (
        K(Compliment, THANKS),
        "says thank you",
        r"\b(gracias|agradecid[oa]s?|agradecer\w*|agradezco|felicit\w*)\b",
    ),
    (
        K(Compliment, PRAISE),
        "praises",
        r"\b(excelente|maravillos[oa]s?|estupend[oa]s?|genial|fantastic[oa]s?|muy amable|paciencia|recomiendo)\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(sugerencia|propuesta|seria (bueno|util|mejor)|quizas (podrian|se podria)|a lo mejor podrian)\b",
    ),
    (
        K(Other, ASKS),
        "asks a question",
        r"\b(quisiera (saber|informacion)|me gustaria saber|una pregunta|informacion sobre|cuanto cuesta|puede(n)? (enviarme|decirme))\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(abuso|abusad\w*|acoso|acosad\w*|agresion|violencia|maltrat\w*|explotacion|explotad\w*|autolesion\w*|suicid\w*|radicaliz\w*|intimidac\w*|amenaz\w*|no me siento segur[oa]|tiene miedo|tengo miedo|tocamientos)\b",
    ),
    (
        F(Flag::HealthSafety),
        "describes a health and safety risk",
        r"\b(peligros[oa]s?|accidente|herid[oa]s?|lesion(es)?|equipo de proteccion|salida de emergencia|extintor|botiquin|descarga electrica|(seguridad y salud|salud y seguridad|prevencion de riesgos))\b",
    ),
    (
        F(Flag::Anonymous),
        "withholds their name",
        r"\b(anonim[oa]|anonimamente|no (quiero )?(dar|decir) mi nombre|sin dar mi nombre)\b",
    ),
    (
        F(Flag::OnBehalf),
        "writes on behalf of someone",
        r"\b(en nombre de|de parte de (mi|su)|mi hija|mi hijo)\b",
    ),
    (
        F(Flag::AssessmentAppeal),
        "disputes an assessment decision",
        r"\b(recurrir (la|mi) (nota|calificacion|evaluacion)|revision de (la|mi) (nota|calificacion)|apelar|(nota|calificacion) injusta)\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(subcontrat\w*|empresa colaboradora|centro colaborador)\b",
    ),
    (
        F(Flag::StaffSubject),
        "is about the complaint handler or a manager",
        r"\b(queja (contra|sobre) (el|la|mi) (jefe|jefa|responsable|gerente|coordinador\w*)|(el|la) (gerente|responsable|jefe|jefa|director\w*|manager)\b.{0,60}\b(ignoro|ignora|fue (grosero|grosera|maleducad\w*)|no (respondio|contesto|responde)))\b",
    ),
];

const PORTUGUESE: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(reclamacao|reclamacoes|queixa|queixas|(quero|gostaria de) (fazer|apresentar) uma (reclamacao|queixa))\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(insatisfeit\w*|nao estou (satisfeit\w*|content\w*)|decepcionad\w*|desapontad\w*|inaceitavel|vergonhos\w*|absurdo|mal-?educad\w*|grosseir\w*|falta de profissionalismo)\b",
    ),
    (
        K(Complaint, WENT_WRONG),
        "something went wrong or no reply",
        r"\b(ninguem (me )?(respondeu|ligou|contactou)|sem resposta|continuo (a esperar|esperando)|ainda (nao|estou a esperar)|cancelad[oa]s?|errad[oa]s?|atraso)\b",
    ),
    (
        K(Complaint, WANTS_ACTION),
        "asks for an explanation or action",
        r"\b(exijo|peco (uma )?(explicacao|resposta)|quero (uma )?(explicacao|resposta|devolucao)|reembolso)\b",
    ),
    (
        K(Compliment, THANKS),
        "says thank you",
        r"\b(obrigad[oa]s?|agradec\w*|parabens)\b",
    ),
    (
        K(Compliment, PRAISE),
        "praises",
        r"\b(excelente|maravilhos[oa]s?|fantastic[oa]s?|otim[oa]s?|muito prestavel|paciencia|recomendo)\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(sugestao|sugestoes|proposta|seria (bom|util|melhor)|talvez (pudessem|fosse))\b",
    ),
    (
        K(Other, ASKS),
        "asks a question",
        r"\b((gostaria|queria) de saber|queria saber|uma pergunta|informacoes sobre|quanto custa)\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(abuso|abusad\w*|assedio|assediad\w*|agressao|violencia|maus[- ]tratos|exploracao|explorad\w*|automutila\w*|suicid\w*|radicaliz\w*|intimidac\w*|ameac\w*|nao me sinto segur[oa])\b",
    ),
    (
        F(Flag::HealthSafety),
        "describes a health and safety risk",
        r"\b(perigos[oa]s?|acidente|ferid[oa]s?|lesao|equipamento de protecao|saida de emergencia|extintor|primeiros socorros|choque eletrico|(saude e seguranca|seguranca e saude))\b",
    ),
    (
        F(Flag::Anonymous),
        "withholds their name",
        r"\b(anonim[oa]|anonimamente|nao (quero )?(dar|dizer) o meu nome|sem dar o meu nome)\b",
    ),
    (
        F(Flag::OnBehalf),
        "writes on behalf of someone",
        r"\b(em nome d[aeo]|(a )?minha filha|(o )?meu filho)\b",
    ),
    (
        F(Flag::AssessmentAppeal),
        "disputes an assessment decision",
        r"\b(recorrer da (nota|avaliacao|classificacao)|revisao da (nota|avaliacao)|contestar a (minha )?(nota|avaliacao))\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(subcontrat\w*|empresa parceira|centro parceiro)\b",
    ),
    (
        F(Flag::StaffSubject),
        "is about the complaint handler or a manager",
        r"\b((reclamacao|queixa) (contra|sobre) (o|a|meu|minha) (chefe|gerente|responsavel|coordenador\w*))\b",
    ),
];

/// Languages with fewer correspondents: the words that say what a message
/// is, so that its kind is right even when its details are not read.
const OTHERS: Table = &[
    (
        K(Complaint, SAYS_COMPLAINT),
        "says it is a complaint",
        r"\b(plainte|reclamation|beschwerde|reclamo|reklamace|staznost|skundas|sudziba|sikayet|shikayat|shikayet|شكوى|شکایت)\b",
    ),
    (
        K(Complaint, DISSATISFIED),
        "expresses dissatisfaction",
        r"\b(mecontent\w*|pas (content|satisfait)\w*|unzufrieden|enttauscht|insoddisfatt\w*|delus[oa]|memnun degil\w*|nepatenkint\w*|غير راض\w*|ناراض)\b",
    ),
    (
        K(Compliment, THANKS),
        "says thank you",
        r"\b(merci beaucoup|vielen dank|herzlichen dank|grazie( mille)?|dekuji|dakujem|tesekkur\w*|aciu|labai aciu|shukriya|shukria|شكرا|شکریہ)\b",
    ),
    (
        K(Comment, SUGGESTS),
        "makes a suggestion",
        r"\b(vorschlag|suggerimento|navrh|oneri|pasiulym\w*)\b",
    ),
    (
        F(Flag::Subcontractor),
        "concerns subcontracted provision",
        r"\b(subappalt\w*|centro partner|ente partner|azienda partner|sous-?trait\w*|subunternehm\w*|partnerunternehmen|subrangov\w*)\b",
    ),
    (
        F(Flag::Safeguarding),
        "describes a risk to someone's welfare",
        r"\b(abuso|molestie|bullismo|sfruttament\w*|violenza|harcelement|maltraitance|missbrauch|belastigung|prievart\w*|patycio\w*|اساءة|تحرش|استغلال|زیادتی|ہراس\w*)\b",
    ),
];

/// Every language's cues, in one list.
pub(super) static LANGUAGE_CUES: LazyLock<Vec<LangCue>> = LazyLock::new(|| {
    let languages: [(&str, Table); 6] = [
        ("Welsh", WELSH),
        ("Polish", POLISH),
        ("Romanian", ROMANIAN),
        ("Spanish", SPANISH),
        ("Portuguese", PORTUGUESE),
        ("other language", OTHERS),
    ];
    languages
        .iter()
        .flat_map(|(language, table)| {
            table.iter().map(move |(target, why, pattern)| LangCue {
                target: *target,
                name: format!("{why} ({language})"),
                re: Regex::new(pattern).expect("static language cue"),
            })
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text::{fold_accents, normalise};

    fn hits(text: &str) -> Vec<String> {
        let t = fold_accents(&normalise(text));
        LANGUAGE_CUES
            .iter()
            .filter(|c| c.re.is_match(&t))
            .map(|c| c.name.clone())
            .collect()
    }

    #[test]
    fn every_cue_compiles() {
        assert!(LANGUAGE_CUES.len() > 60);
    }

    #[test]
    fn accents_typed_or_not_match_alike() {
        for text in ["Chcę złożyć skargę.", "Chce zlozyc skarge."] {
            assert!(
                hits(text)
                    .iter()
                    .any(|h| h == "says it is a complaint (Polish)"),
                "{text}: {:?}",
                hits(text)
            );
        }
        for text in ["Vă mulțumesc din suflet!", "Va multumesc din suflet!"] {
            assert!(hits(text).iter().any(|h| h == "says thank you (Romanian)"));
        }
    }

    #[test]
    fn a_welfare_risk_is_read_in_each_language() {
        for (text, language) in [
            (
                "Mae hi'n cael ei bwlio ac mae aflonyddu arni bob dydd.",
                "Welsh",
            ),
            (
                "Córka mówi, że kierownik ją zastrasza i grozi jej.",
                "Polish",
            ),
            ("Fiica mea este hărțuită de un coleg.", "Romanian"),
            ("Mi hijo sufre acoso en el trabajo.", "Spanish"),
            ("A minha filha sofre assédio no estágio.", "Portuguese"),
        ] {
            let want = format!("describes a risk to someone's welfare ({language})");
            assert!(hits(text).contains(&want), "{text}: {:?}", hits(text));
        }
    }

    #[test]
    fn english_mail_raises_no_language_cue() {
        let english = "I am writing to say thank you to Sarah for her patience. The course was excellent, \
                       and I have a suggestion about the parking. Is there a fee for the next course?";
        assert_eq!(hits(english), Vec::<String>::new());
    }
}
