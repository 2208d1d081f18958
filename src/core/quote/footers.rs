//! What clients, gateways and lists add around a person's words: device
//! footers ("Sent from my iPhone"), external-sender banners at the top,
//! legal disclaimers and confidentiality notices, mailing-list footers.

use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// "Sent from my iPhone", "Get Outlook for Android" ("Cael Outlook ar
/// gyfer Android" in Welsh, "Pobierz aplikację Outlook dla systemu
/// Android" from a Polish phone, and so in each language Outlook's mobile
/// apps speak), "Enviado do meu iPhone"… A short line of its own, so that a sentence that happens to
/// start "Sent from my desk, …" stays.
static DEVICE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
        (sent|envoyé|enviado|enviada|gesendet|inviato|verzonden|verstuurd|skickat|sendt|lähetetty|wysłane|wysłano
          |trimis|отправлено|надіслано|anfonwyd|odesláno|odoslané|küldve|gönderildi)
          \s+(from|with|via|von|de|à\ partir\ de|depuis|do|desde|da|dal|dal\ mio|met|vanaf|från|fra|z|ze|de\ pe|с|з|o|o'm|mit)
          (\s+[^\s,;]+){1,8}
        |(get|download)\ outlook\ for\ (ios|android)
        |(cael|lawrlwytho)\ outlook\ ar\ gyfer\ (ios|android)
        |pobierz\ (aplikację\ |aplikacje\ |program\ )?outlook\ dla\ (systemu\ )?(ios|android)
        |(obtener|obtén|obten|descargar|descarga)\ outlook\ para\ (ios|android)
        |(obter|obtenha|baixar|baixe|transferir)\ (o\ )?outlook\ para\ (ios|android)
        |(télécharger|telecharger|obtenez|obtenir)\ outlook\ pour\ (ios|android)
        |(holen\ sie\ sich\ )?outlook\ für\ (ios|android)(\ herunterladen|\ beziehen)?
        |(scarica|ottieni)\ outlook\ per\ (ios|android)
        |(download\ )?outlook\ voor\ (ios|android)(\ downloaden)?
        |(obțineți|obtineti|obține|obtine|descărcați|descarcati)\ outlook\ pentru\ (ios|android)
        |von\ meinem\ \S+(\s\S+)?\ gesendet
        |(lähetetty|skickat|sendt)\ \S+(sta|stä|från|fra)?
        |\S+\ から送信|发自我的\s?\S+|從我的\s?\S+\s?傳送|\S+에서\ 보냄
        |أُ?رسلت\ من(\s+\S+){1,4}|στάλθηκε\ από(\s+\S+){1,4}|נשלח\ מ\S*(\s+\S+){0,4}
        )\s*(<https?://[^>\s]*>)?\s*$",
    )
    .expect("static regex")
});

/// "Sent from my Wiko Ridge 4G": a short phrase of names, no sentence.
static SENT_FROM_MY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*sent from my(\s+[^\s,;.!?]+){1,5}\.?\s*$").expect("static regex")
});
/// A device, phone maker, carrier or mail app named in a footer.
static DEVICE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)iphone|ipad|ipod|android|galaxy|samsung|blackberry|outlook|mail|mobile|móvil|portable|handy|smartphone|phone|telefon|téléphone|teléfono|telefone|telefono|телефон|ffôn|ffon|yahoo|proton|typeapp|acompli|sparrow|windows|huawei|xiaomi|pixel|device|tablet|nokia|motorola|oneplus|bluemail|airmail|superhuman|edison|zoho|mailbird|thunderbird|spark|aol|verizon|at&t|vodafone|から送信|发自|傳送|보냄").expect("static regex")
});

/// The first line of a legal disclaimer or confidentiality notice, in the
/// languages our correspondents write.
static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*[*_=-]{0,5}\s*(
        (\S+\ ){0,3}disclaimer(?-u:\b)|legal\ notice|confidentiality\ (notice|note|statement|warning)
        |(aviso|nota|advertencia)\ legal(?-u:\b)|rechtliche[rn]?\ hinweis|klauzula\ (poufności|informacyjna)|hysbysiad\ cyfreithiol|ymwadiad
        |(.{0,160}[.!]\ )?(this|the\ information\ in\ this|the\ contents\ of\ this)\ (e-?mail|message|communication)(\ and\ (any|its)\ (files|attachments?)(\ transmitted\ with\ it)?)?
          \ ((is|are|may\ be|and\ its\ attachments\ (is|are))\ (confidential|intended|private|strictly|legally|privileged)|(may\ contain|contains?)\ (confidential|privileged|legally))
        |this\ (e-?mail|message)\ (is|was)\ (sent|intended)\ (for|to)
        |if\ you\ (are\ not|have\ received\ this)\ (the\ intended|in\ error|e-?mail\ in\ error|message\ in\ error)
        |the\ information\ (contained\ )?in\ this\ (e-?mail|message)
        |.{0,120}(?-u:\b)(is\ )?authori[sz]ed\ and\ regulated\ by(?-u:\b)
        |.{0,80}(?-u:\b)registered\ in\ (england|wales|scotland|northern\ ireland)(?-u:\b)
        |.{0,80}(?-u:\b)is\ a\ registered\ charity(?-u:\b)
        |registered\ office(?-u:\b)|company\ (registration\ )?(no|number)(?-u:\b)|vat\ (reg|registration|no)(?-u:\b)
        |think\ before\ you\ print|please\ consider\ the\ environment
        |mae'r\ e-bost\ hwn|mae'r\ neges(\ e-bost)?\ hon|croesawn\ ohebiaeth\ yn\ gymraeg|gall\ (y\ neges(\ e-bost)?\ hon|yr\ e-bost\ hwn)\ (gynnwys|fod)|rydym\ yn\ croesawu\ gohebiaeth\ yn\ gymraeg.*
        |diese\ (e-?mail|nachricht)\ (enthält|kann|ist)\ (vertrauliche|vertraulich)|vertraulichkeitshinweis
        |ce\ (message|courriel|mail|e-mail)(\ et\ (toutes\ )?(ses|les)\ pièces\ jointes)?\ (est|sont|peut|peuvent)\ (confidentiel|strictement|contenir)
        |avis\ de\ confidentialité
        |este\ (mensaje|correo)(\ y\ sus\ (anexos|adjuntos))?\ (es|son|puede|contiene)\ (confidencial|contener|información)
        |la\ información\ contenida\ en\ este
        |esta\ mensagem(\ e\ (os\ )?(seus\ )?anexos)?\ (é|são|pode)\ (confidencial|conter)|aviso\ de\ confidencialidade
        |questo\ messaggio(\ e\ i\ suoi\ allegati)?\ (è|sono|può)\ (riservat|confidenzial|contenere)|le\ informazioni\ contenute\ in\ questo
        |dit\ (e-?mail)?bericht(\ en\ de\ bijlagen)?\ (is|kan)\ (vertrouwelijk|uitsluitend|informatie)|de\ informatie\ (verzonden\ )?(in|met)\ dit\ (e-?mail)?bericht
        |ta\ wiadomość(\ wraz\ z\ załącznikami)?\ (jest|może)\ (poufna|zawierać)|treść\ tej\ wiadomości|informacje\ zawarte\ w\ tej\ wiadomości
        |acest\ (mesaj|e-?mail)(\ și\ anexele\ sale)?\ (este|poate)\ (confiden|conține)|informațiile\ conținute\ în\ acest
        |это\ (сообщение|письмо)(\ и\ любые\ вложения)?\ (является|может|содержит)\ (конфиденциал|содержать)
        |本邮件(及其附件)?(含有|包含|可能包含)|この(電子)?メール(には|は).{0,20}(機密|秘密)
        )",
    )
    .expect("static regex")
});

/// The first paragraph of an external-sender banner that a gateway
/// prepends: "CAUTION: This email originated from outside…", "[EXTERNAL]".
static BANNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*[*!\[(]{0,3}\s*(
        (external|extern|externe|externo|esterno|zewnętrzn\w*|allanol)\s*(e-?mail|sender|message|mail|nachricht|courriel)?\s*[\])!:*\-–]
        |(caution|warning|attention|vorsicht|achtung|precaución|atención|atenção|attenzione|uwaga|let\ op|rhybudd|sylw|avertissement)\s*[!:-]
        |this\ (e-?mail|message)\ (originated|came|was\ sent|comes)\ from\ outside
        |you\ don't\ often\ get\ email\ from
        |some\ people\ who\ received\ this\ message\ don't\ often\ get\ email\ from
        )",
    )
    .expect("static regex")
});
/// What a banner paragraph talks about, so that "Attention: Mr Smith" at
/// the top of a letter is not taken for one.
static BANNER_TOPIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)outside|external|extern|extérieur|exterior|außerhalb|fuera|fora\s+d|spoza|tu allan|buiten|esterno|din afara|links?|attachments?|pièces jointes|anhänge|adjuntos|anexos|allegati|załącznik|atodiad|bijlagen|sender|expéditeur|absender|remitente|don't often get email").expect("static regex")
});

/// What a gateway's banner warns about, besides the outside itself.
static GATEWAY_WARNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(links?|attachments?|caution|cautious|careful|phishing|suspicious|verify|sender|outside (of )?(the|our|your) organi[sz]ation)\b")
        .expect("static regex")
});

/// A mailing list's footer: "list mailing list", its listinfo address,
/// Google Groups' "You received this message because…".
static MAILING_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(\S+ mailing list\s*$|https?://\S+/(mailman/)?listinfo(/\S*)?\s*$|you received this (message|email) because you are subscribed to|to unsubscribe from this (group|list)|unsubscribe:\s*\S+@|to unsubscribe,? (send|e-?mail))").expect("static regex")
});

/// A device or client footer line.
pub(super) fn is_device_footer(line: &str) -> bool {
    line.len() < 160
        && ((DEVICE_FOOTER.is_match(line) && DEVICE_WORD.is_match(line))
            || SENT_FROM_MY.is_match(line))
}

/// The first line of a disclaimer.
pub(super) fn is_disclaimer(line: &str) -> bool {
    DISCLAIMER.is_match(line)
}

/// A mailing-list footer line.
pub(super) fn is_mailing_list(line: &str) -> bool {
    line.len() < 300 && MAILING_LIST.is_match(line)
}

/// How many leading lines of `lines` are an external-sender banner (with
/// the blank lines after it), 0 when there is none. Only at the top, and
/// only a paragraph that talks about the outside, links or attachments.
pub(super) fn banner_len(lines: &[&str]) -> usize {
    let start = lines.iter().take_while(|l| l.trim().is_empty()).count();
    let Some(first) = lines.get(start) else {
        return 0;
    };
    if !BANNER.is_match(first) {
        return 0;
    }
    // A bare "[EXTERNAL]" line on its own.
    let bare = first
        .trim()
        .trim_matches(|c| matches!(c, '[' | ']' | '*' | '!' | ':' | '(' | ')'))
        .len()
        <= 16;
    let para_end = if bare {
        start + 1
    } else {
        lines[start..]
            .iter()
            .position(|l| l.trim().is_empty())
            .map_or(lines.len(), |p| start + p)
    };
    let para = lines[start..para_end].join(" ");
    if !bare && (!BANNER_TOPIC.is_match(&para) || para.len() > 600) {
        return 0;
    }
    // "External - …" opens a sentence as readily as a gateway's banner:
    // with a dash, the paragraph must speak of what a gateway warns about
    // besides the word "external" itself.
    let dashed = BANNER
        .find(first)
        .is_some_and(|m| m.as_str().trim_end().ends_with(['-', '–']));
    if dashed && !GATEWAY_WARNING.is_match(&para) {
        return 0;
    }
    let after = lines[para_end..]
        .iter()
        .take_while(|l| l.trim().is_empty())
        .count();
    para_end + after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_footers_but_not_sentences() {
        for l in [
            "Sent from my iPhone",
            "Sent from my Galaxy",
            "Sent from my Verizon Wireless BlackBerry",
            "Sent from Yahoo Mail on Android",
            "Get Outlook for Android<https://aka.ms/AAb9ysg>",
            "Enviado do meu iPhone",
            "Envoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>",
            "Gesendet von Outlook für Android",
            "Anfonwyd o fy iPhone",
            "Cael Outlook ar gyfer Android<https://aka.ms/AAb9ysg>",
            "Cael Outlook ar gyfer iOS",
            "Wysłane z iPhone'a",
            "Sent from Samsung Mobile",
        ] {
            assert!(is_device_footer(l), "{l}");
        }
        for l in [
            "Sent from my desk, is much easier then my mobile phone.",
            "Sent from my work address because my own one is blocked by your server again today",
        ] {
            assert!(!is_device_footer(l), "{l}");
        }
    }

    #[test]
    fn a_banner_with_a_dash_but_not_a_sentence_that_opens_with_external() {
        let lines: Vec<&str> =
            "** External email - be cautious with links and attachments. IT Service Desk **\n\nHello,\nText"
                .lines()
                .collect();
        assert_eq!(banner_len(&lines), 2);
        let lines: Vec<&str> = "External - the assessor you sent was external, not one of your own staff, and he never turned up.\nI would like Stage 2 please.\n\nJo"
            .lines()
            .collect();
        assert_eq!(banner_len(&lines), 0);
    }

    #[test]
    fn banners_only_at_the_top_and_about_the_outside() {
        let lines: Vec<&str> = "CAUTION: This email originated from outside the organisation. Do not click links.\n\nHello,\nText".lines().collect();
        assert_eq!(banner_len(&lines), 2);
        let lines: Vec<&str> = "[EXTERNAL]\nHello,\nText".lines().collect();
        assert_eq!(banner_len(&lines), 1);
        let lines: Vec<&str> = "Attention: Mr Jones\n\nI write about my son."
            .lines()
            .collect();
        assert_eq!(banner_len(&lines), 0);
    }

    #[test]
    fn disclaimers_in_several_languages() {
        for l in [
            "This message may contain confidential information. If you are not…",
            "Morgan Rees LLP is authorised and regulated by the Solicitors Regulation Authority.",
            "Ce message et toutes ses pièces jointes sont confidentiels.",
            "Este mensaje y sus anexos son confidenciales.",
            "Ta wiadomość może zawierać informacje poufne.",
            "Diese E-Mail enthält vertrauliche Informationen.",
            "Questo messaggio e i suoi allegati sono riservati.",
            "Mae'r e-bost hwn yn gyfrinachol.",
            "Gall yr e-bost hwn fod yn gyfrinachol. / This email may be confidential.",
            "Vale Leisure Trust is a registered charity (No. 1122334). If you are not happy with our service, see our complaints policy.",
            "Hafan Skills Ltd works for Coleg Gwent. This email and its attachments are confidential.",
        ] {
            assert!(is_disclaimer(l), "{l}");
        }
        assert!(!is_disclaimer("I think this message is important."));
        assert!(!is_disclaimer(
            "This email contains information about what happened to my son."
        ));
    }
}
