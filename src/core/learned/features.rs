//! Features of a person's message for the learned layer: hashed word
//! unigrams and bigrams and character 3–5-grams of each word, from the newly
//! written text (full weight), the subject and any forwarded text (reduced
//! weight). Every feature remembers the word or word pair it came from, so the
//! model's top contributions can be shown to a handler as words.

use super::super::text::normalise;
use std::collections::HashMap;

/// Bits of the hashed feature space: 2^18 buckets keep collisions rare for a
/// vocabulary of tens of thousands of n-grams.
pub const DIM_BITS: u32 = 18;
const MASK: u32 = (1 << DIM_BITS) - 1;

/// How many words of each part are read: what a message is about shows in
/// its opening, and a bound keeps a huge message from costing time.
const MAX_WORDS: usize = 1500;
/// How many times a repeated word or n-gram counts at most.
const MAX_REPEATS: f32 = 4.0;
/// Longer "words" are URLs, tokens or base64, not language.
const MAX_WORD_CHARS: usize = 30;

/// What the learned layer reads of a message.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Doc {
    /// The subject, without `Re:`/`Fwd:` prefixes or with them (they are words too).
    #[serde(default)]
    pub subject: String,
    /// The newly written text.
    #[serde(default)]
    pub new: String,
    /// Forwarded text (a forward's content), if any.
    #[serde(default)]
    pub forwarded: String,
    /// Whether the sender gave a display name (a cue for `anonymous`).
    #[serde(default)]
    pub named: bool,
}

/// A sparse, L2-normalised feature vector with the words behind each feature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// (feature index, value), sorted by index, no duplicates.
    pub entries: Vec<(u32, f32)>,
    /// For each entry, the index into `units` of the word or word pair that
    /// produced it (the first one, if two collide).
    pub unit_of: Vec<usize>,
    /// The words and word pairs, as the reasons show them.
    pub units: Vec<String>,
}

/// FNV-1a: stable across platforms and Rust versions (std's hasher is not),
/// so a model trained on one machine reads the same on another.
fn hash(tag: u8, s: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(tag).chain(s.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Fold the high bits in so the mask does not only see the low ones.
    ((h ^ (h >> 29) ^ (h >> 47)) as u32) & MASK
}

/// Words of normalised text: letters, digits and inner apostrophes; digit
/// runs become `0` so dates and reference numbers generalise.
fn words(text: &str) -> Vec<String> {
    let norm = normalise(text);
    let mut out = Vec::new();
    for raw in norm.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let w = raw.trim_matches('\'');
        if w.is_empty() || w.chars().count() > MAX_WORD_CHARS {
            continue;
        }
        let mut folded = String::with_capacity(w.len());
        let mut last_digit = false;
        for ch in w.chars() {
            if ch.is_ascii_digit() {
                if !last_digit {
                    folded.push('0');
                }
                last_digit = true;
            } else {
                folded.push(ch);
                last_digit = false;
            }
        }
        out.push(folded);
        if out.len() >= MAX_WORDS {
            break;
        }
    }
    out
}

/// Weights of the feature groups: character n-grams are many per word, so
/// each counts less, or they would drown the words.
const W_UNIGRAM: f32 = 1.0;
const W_BIGRAM: f32 = 0.8;
const W_CHAR: f32 = 0.35;

struct Builder {
    acc: HashMap<u32, (f32, usize)>,
    units: Vec<String>,
    unit_ids: HashMap<String, usize>,
}

impl Builder {
    fn unit(&mut self, name: &str) -> usize {
        if let Some(&i) = self.unit_ids.get(name) {
            return i;
        }
        self.units.push(name.to_string());
        self.unit_ids.insert(name.to_string(), self.units.len() - 1);
        self.units.len() - 1
    }

    fn add(&mut self, idx: u32, w: f32, unit: usize) {
        let e = self.acc.entry(idx).or_insert((0.0, unit));
        e.0 += w;
    }

    fn part(&mut self, text: &str, weight: f32, tag: u8) {
        let ws = words(text);
        for (i, w) in ws.iter().enumerate() {
            let u = self.unit(w);
            self.add(hash(b'w', w), W_UNIGRAM * weight, u);
            // The subject's words are also features of their own: "Complaint"
            // in a subject means something other than in a sentence.
            if tag == b's' {
                self.add(hash(b's', w), W_UNIGRAM * weight, u);
            }
            // Character n-grams of "<word>", hashed straight from the
            // bytes (no string per n-gram: there are dozens per word).
            let padded = format!("<{w}>");
            let starts: Vec<usize> = padded
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(padded.len()))
                .collect();
            for n in 3..=5 {
                for k in 0..starts.len().saturating_sub(n) {
                    let g = &padded[starts[k]..starts[k + n]];
                    self.add(hash(b'c', g), W_CHAR * weight, u);
                }
            }
            if let Some(next) = ws.get(i + 1) {
                let pair = format!("{w} {next}");
                let u = self.unit(&pair);
                self.add(hash(b'b', &pair), W_BIGRAM * weight, u);
            }
        }
    }
}

/// The feature vector of a message.
pub fn featurize(doc: &Doc) -> Features {
    let mut b = Builder {
        acc: HashMap::new(),
        units: Vec::new(),
        unit_ids: HashMap::new(),
    };
    b.part(&doc.new, 1.0, b'n');
    b.part(&doc.subject, 0.5, b's');
    b.part(&doc.forwarded, 0.5, b'f');
    if !doc.named {
        let u = b.unit("(no name given)");
        b.add(hash(b'm', "no-display-name"), 1.0, u);
    }
    if doc.new.trim().is_empty() {
        let u = b.unit("(no text of its own)");
        b.add(hash(b'm', "empty-new-text"), 1.0, u);
    }
    // Repeated words count, but less than linearly, and only up to a few
    // times: a message of one word repeated a hundred thousand times must
    // not become that word alone, for whatever weight it happens to have.
    let mut entries: Vec<(u32, f32, usize)> = b
        .acc
        .into_iter()
        .map(|(i, (v, u))| (i, v.min(MAX_REPEATS).sqrt(), u))
        .collect();
    entries.sort_by_key(|e| e.0);
    let norm = entries.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    Features {
        entries: entries.iter().map(|e| (e.0, e.1 * scale)).collect(),
        unit_of: entries.iter().map(|e| e.2).collect(),
        units: b.units,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_digits_and_case() {
        assert_eq!(
            words("Ref PAR-2026-0079: I'm NOT happy!"),
            vec!["ref", "par", "0", "0", "i'm", "not", "happy"]
        );
    }

    #[test]
    fn features_are_sorted_normalised_and_named() {
        let f = featurize(&Doc {
            new: "Nobody turned up. Nobody!".into(),
            named: true,
            ..Doc::default()
        });
        assert!(f.entries.windows(2).all(|w| w[0].0 < w[1].0));
        let norm: f32 = f.entries.iter().map(|e| e.1 * e.1).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        assert!(f.units.contains(&"nobody turned".to_string()));
        assert_eq!(f.entries.len(), f.unit_of.len());
    }
}
