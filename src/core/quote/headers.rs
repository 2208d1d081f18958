//! Lines that start unquoted history: separator lines ("-----Original
//! Message-----" and its translations), forward marks, and header blocks
//! ("From:/Sent:/To:/Subject:" in the languages of Outlook's UI, or a block
//! that starts with "Date:").

use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// "-----Original Message-----", "-------- Original message --------"
/// (Samsung), "-----Reply Message-----" and their translations, between
/// runs of dashes, equals signs or underscores.
static ORIGINAL_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*[-=_*]{2,}\s*(
        original\ message|reply\ message|antwort\ nachricht|ursprüngliche\ nachricht|originalnachricht
        |message\ d'origine|message\ original|mensaje\ original|mensagem\ original|messaggio\ originale
        |oorspronkelijk\ bericht|origineel\ bericht|originalmeddelande|ursprungligt\ meddelande
        |oprindelig\ meddelelse|oprindelig\ besked|opprinnelig\ melding|original\ melding
        |alkuperäinen\ viesti|wiadomość\ oryginalna|oryginalna\ wiadomość|původní\ zpráva|pôvodná\ správa
        |eredeti\ üzenet|исходное\ сообщение|оригинальное\ сообщение|вихідне\ повідомлення
        |mesaj\ original|mesajul\ original|mesaj\ inițial|neges\ wreiddiol|y\ neges\ wreiddiol
        |原始邮件|原始郵件|原始信件|元のメッセージ|원본\ 메시지|orijinal\ mesaj
        )\s*[-=_*]{2,}\s*$",
    )
    .expect("static regex")
});

/// A forwarded message's first line, in the languages clients write it.
static FORWARD_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
        [-=_*]{2,}\s*[^-=_*]{0,40}(forward|weitergeleitet|transféré|transfere|reenviado|encaminhad|reencaminhad
          |inoltrat|doorgestuurd|vidarebefordra|videresendt|przekazan|redirecționat|redirectionat|přeposlan
          |továbbított|пересылаем|пересланное|переслан|ymlaen|iletilen|转发|轉寄|轉發|転送|전달)[^-=_*]{0,40}[-=_*]{2,}
        |begin\ forwarded\ message\s*:|début\ du\ message\ (réexpédié|transféré)\s*:|anfang\ der\ weitergeleiteten\ nachricht\s*:
        |inicio\ del\ mensaje\ reenviado\s*:|início\ da\ mensagem\ reencaminhada\s*:|doorgestuurd\ bericht\s*:
        )\s*$",
    )
    .expect("static regex")
});

/// The kinds of line in an e-mail header block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    Date,
    To,
    Subject,
}

/// "From:" in Outlook's UI languages (and other clients').
static KEY_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*{0,2}\s*(from|von|de|de la|från|fra|da|van|od|od koga|lähettäjä|feladó|от|від|kimden|gönderen|remitente|oddi wrth|gan|expeditor|expéditeur|afzender|avsändare|apo|发件人|發件人|寄件者|寄件人|差出人|送信者|보낸 사람|보낸사람)\s*\*{0,2}\s*[:：]").expect("static regex")
});
/// "Sent:" and "Date:", including the French webmail's "Message du :".
static KEY_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*{0,2}\s*(sent|date|sent on|gesendet|datum|envoyé|envoyé le|message du|skickat|sendt|inviato|data|verzonden|verstuurd|enviado|enviado el|enviada|fecha|lähetetty|päivämäärä|wysłano|wysłane|wysłany|tarih|gönderildi|gönderilme tarihi|odesláno|küldve|dátum|trimis|dyddiad|anfonwyd|отправлено|дата|надіслано|发送时间|發送時間|寄件日期|送信日時|日付|日期|时间|時間|날짜|보낸 날짜)\s*\*{0,2}\s*[:：]").expect("static regex")
});
static KEY_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*{0,2}\s*(to|cc|bcc|an|kopie|à|a|cc ?:? ?à|till|kopia|til|aan|para|do|dw|at|komu|címzett|kime|către|catre|destinatario|destinatário|vastaanottaja|кому|копия|收件人|收件者|抄送|副本|宛先|받는 사람|참조)\s*\*{0,2}\s*[:：]").expect("static regex")
});
static KEY_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*{0,2}\s*(subject|betreff|objet|ämne|emne|oggetto|onderwerp|asunto|assunto|pwnc|temat|předmět|predmet|tárgy|konu|subiect|aihe|тема|主题|主旨|主題|件名|제목)\s*\*{0,2}\s*[:：]").expect("static regex")
});

fn field(line: &str) -> Option<Field> {
    // Cheap filter first: every key ends with a colon near the start.
    if !line.chars().take(40).any(|c| c == ':' || c == '：') {
        return None;
    }
    if KEY_FROM.is_match(line) {
        Some(Field::From)
    } else if KEY_DATE.is_match(line) {
        Some(Field::Date)
    } else if KEY_SUBJECT.is_match(line) {
        Some(Field::Subject)
    } else if KEY_TO.is_match(line) {
        Some(Field::To)
    } else {
        None
    }
}

/// Does a header block (From or Date first, then the others in any order,
/// in any language) start at `lines[i]`? It needs two different fields, one of them the
/// sender or the date, within a few lines (a field's value may wrap onto a
/// continuation line), so that "To: whom it may concern" or an
/// appointment's "Date:/Time:/Address:" in a person's own text does not cut it.
pub(super) fn header_block_at(lines: &[&str], i: usize) -> bool {
    // A block opens with the sender or the date ("To:" first is a read
    // receipt's summary of our own message, not history).
    let Some(first) = lines
        .get(i)
        .and_then(|l| field(l))
        .filter(|f| matches!(f, Field::From | Field::Date))
    else {
        return false;
    };
    let mut seen = vec![first];
    let mut continuations = 0;
    for l in lines.iter().skip(i + 1).take(8) {
        if l.trim().is_empty() {
            // One blank line may sit inside a block a client re-wrapped.
            if continuations > 0 {
                break;
            }
            continuations += 1;
            continue;
        }
        match field(l) {
            Some(f) => {
                if !seen.contains(&f) {
                    seen.push(f);
                }
            }
            None => {
                continuations += 1;
                if continuations > 2 {
                    break;
                }
            }
        }
    }
    seen.len() >= 2 && (seen.contains(&Field::From) || seen.contains(&Field::Date))
}

/// A separator line that opens quoted history.
pub(super) fn is_original_message(line: &str) -> bool {
    line.len() < 200 && ORIGINAL_MESSAGE.is_match(line)
}

/// GroupWise's attribution: ">>> Name <address> 19/11/2026 10:00 >>>".
pub(super) fn is_groupwise_attribution(line: &str) -> bool {
    line.len() < 200 && GROUPWISE.is_match(line)
}

static GROUPWISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*>>>\s*[^>\s].*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*>>>\s*$").expect("static regex")
});

/// The first line of a forwarded message.
pub(super) fn is_forward_mark(line: &str) -> bool {
    line.len() < 200 && FORWARD_MARK.is_match(line)
}

/// A line that only separates: dashes, underscores, equals signs, stars.
pub(super) fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 2
        && t.chars()
            .all(|c| matches!(c, '-' | '_' | '=' | '*' | '~' | '—'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_in_many_languages() {
        for block in [
            "Oddi wrth: A <a@b.test>\nAnfonwyd: 3 Mawrth 2026 10:00\nAt: B\nPwnc: x",
            "发件人: A <a@b.test>\n发送时间: 2026年3月3日 10:00\n收件人: B\n主题: x",
            "差出人: A <a@b.test>\n送信日時: 2026年3月3日 10:00\n宛先: B\n件名: x",
            "Od: A <a@b.test>\nWysłane: wtorek, 3 marca 2026 10:00\nDo: B\nTemat: x",
            "De: A <a@b.test>\nEnviado el: martes, 3 de marzo de 2026 10:00\nPara: B\nAsunto: x",
            "De: A <a@b.test>\nEnviado: terça-feira, 3 de março de 2026 10:00\nPara: B\nAssunto: x",
            "De la: A <a@b.test>\nTrimis: marți, 3 martie 2026 10:00\nCătre: B\nSubiect: x",
            "Van: A <a@b.test>\nVerzonden: dinsdag 3 maart 2026 10:00\nAan: B\nOnderwerp: x",
            "От: A <a@b.test>\nОтправлено: 3 марта 2026 г. 10:00\nКому: B\nТема: x",
            "Message du : 03/03/2026 10:00\nDe : A <a@b.test>\nA : B\nObjet : x",
            "Date: Tue, 3 Mar 2026 10:00\nTo: b@b.test",
            "  *From:* a@b.test [mailto:\n  a@b.test]\n  *Sent:* Tuesday\n",
        ] {
            let lines: Vec<&str> = block.lines().collect();
            assert!(header_block_at(&lines, 0), "{block}");
        }
    }

    #[test]
    fn a_persons_own_fields_are_not_a_block() {
        for text in [
            "Date: Wednesday 3 October\nTime: 7:00am\nAddress: 130 Fox St",
            "To: whom it may concern\nI am writing about my son.",
            "Subject: my complaint\nI was shouted at.",
            "  To: Complaints\n  Subject: Your complaint\n  Sent: 02/11/2026 09:12",
        ] {
            let lines: Vec<&str> = text.lines().collect();
            assert!(!header_block_at(&lines, 0), "{text}");
        }
    }

    #[test]
    fn separators_and_forwards() {
        assert!(is_original_message("-----Reply Message-----"));
        assert!(is_original_message("-------- Original message --------"));
        assert!(is_original_message("-------- Oprindelig besked --------"));
        assert!(is_forward_mark("-------- Forwarded Message --------"));
        assert!(is_forward_mark(
            "---------- Wiadomość przekazana dalej ---------"
        ));
        assert!(!is_forward_mark("I forwarded it to my MP last week."));
        assert!(is_separator(" ------------------------------"));
        assert!(!is_separator("- a bullet"));
    }
}
