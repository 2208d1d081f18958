//! Mail we sent, repeated in a reply without any quote marker: found by
//! comparing the reply's lines with the text of that mail.

/// Whitespace collapsed and `>` quoting removed, for comparing text that a
/// mail client may have re-wrapped or re-quoted.
fn flatten(line: &str) -> String {
    line.trim_start()
        .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line long enough that finding it in mail we sent is no coincidence.
const COPIED_MIN_CHARS: usize = 24;

/// How far down a reply copied mail is looked for.
const COPIED_MAX_LINES: usize = 2_000;

/// Where a reply starts repeating mail complaintd sent (`sent`: the text
/// of that mail), when no quote marker said so: the first line that appears
/// word for word in `sent` and is followed by another line of it (one
/// pasted paragraph answered below it stays). Re-wrapping does not hide it, because whole lines are
/// looked for inside the flattened text. `None` when nothing was copied.
///
/// This catches quoting the stripper cannot recognise (a client's
/// attribution in a language it does not know, or none at all), so that the
/// help text of a notification is never read as newly written commands.
pub fn copied_history_start(text: &str, sent: &str) -> Option<usize> {
    let haystack = flatten(&sent.replace('\n', " "));
    if haystack.is_empty() {
        return None;
    }
    // Bounded: a reply whose newly written part runs past this many lines
    // is not searched further (each line is looked for in the whole mail).
    let lines: Vec<String> = text.lines().take(COPIED_MAX_LINES).map(flatten).collect();
    let copied = |l: &str| l.chars().count() >= COPIED_MIN_CHARS && haystack.contains(l);
    for (i, l) in lines.iter().enumerate() {
        if !copied(l) {
            continue;
        }
        let next = lines[i + 1..].iter().find(|n| !n.is_empty());
        // The next line repeats our mail too (short lines such as a
        // heading count here, not as a start).
        if next.is_some_and(|n| haystack.contains(n.as_str())) {
            return Some(i);
        }
    }
    None
}

/// `text` up to where it starts repeating `sent` (see [`copied_history_start`]),
/// without the trailing blank lines; `text` itself when nothing was copied.
pub fn cut_copied_history(text: &str, sent: &str) -> String {
    match copied_history_start(text, sent) {
        Some(i) => {
            let kept: Vec<&str> = text.lines().take(i).collect();
            kept.join("\n").trim_end().to_string()
        }
        None => text.to_string(),
    }
}
