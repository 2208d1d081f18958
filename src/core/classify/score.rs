//! Scoring one piece of text against the lexicon: points per class, each
//! with the reason a handler can read.

use super::languages::{Target, LANGUAGE_CUES};
use super::lexicon::{
    Class, BENIGN_FOR_COMPLAINT, LEXICON, NEGATED_COMPLAINT, PAST_PROBLEM, PROBLEM_PUT_RIGHT,
    SUGGESTION_QUESTION,
};
use crate::core::text::{fold_accents, normalise};
use std::collections::BTreeSet;

fn count_upper_ratio(text: &str) -> f32 {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 40 {
        return 0.0;
    }
    letters.iter().filter(|c| c.is_uppercase()).count() as f32 / letters.len() as f32
}

/// Scores per class, with reasons, for one piece of text.
#[derive(Default)]
pub(super) struct Scores {
    pub(super) complaint: f32,
    pub(super) compliment: f32,
    pub(super) comment: f32,
    pub(super) other: f32,
    pub(super) reasons: Vec<(f32, String)>,
}

impl Scores {
    pub(super) fn add(&mut self, class: Class, w: f32, reason: String) {
        match class {
            Class::Complaint => self.complaint += w,
            Class::Compliment => self.compliment += w,
            Class::Comment => self.comment += w,
            Class::Other => self.other += w,
        }
        self.reasons.push((w, reason));
    }
}

pub(super) fn score_text(scores: &mut Scores, text: &str, weight: f32, origin: &str) {
    let norm = normalise(text);
    if norm.is_empty() {
        return;
    }
    let negated = NEGATED_COMPLAINT.is_match(&norm);
    let for_complaint = BENIGN_FOR_COMPLAINT.replace_all(&norm, " ");
    // A problem put right: the sentence recalling it is history.
    let for_complaint = if PROBLEM_PUT_RIGHT.is_match(&norm) {
        PAST_PROBLEM.replace_all(&for_complaint, " ").into_owned()
    } else {
        for_complaint.into_owned()
    };
    for c in LEXICON.iter() {
        let seen: &str = if c.class == Class::Complaint {
            &for_complaint
        } else {
            &norm
        };
        if let Some(m) = c.re.find(seen) {
            if negated && c.class == Class::Complaint && m.as_str().contains("complain") {
                continue;
            }
            let class_name: &str = c.class.into();
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
    // Each language's own cues, on the text without accents. Languages
    // share words ("excelente", "reembolso"): a word counts once per class.
    let folded = fold_accents(&norm);
    let mut counted: BTreeSet<(&'static str, &str)> = BTreeSet::new();
    for c in LANGUAGE_CUES.iter() {
        let Target::Kind(class, w) = c.target else {
            continue;
        };
        let Some(m) = c.re.find(&folded) else {
            continue;
        };
        let class_name: &'static str = class.into();
        if !counted.insert((class_name, m.as_str())) {
            continue;
        }
        scores.add(
            class,
            w * weight,
            format!(
                "{class_name}: {} ({origin}: \"{}\")",
                c.name,
                m.as_str().trim()
            ),
        );
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
    let suggestions = SUGGESTION_QUESTION.find_iter(&norm).count();
    let questions = norm.matches('?').count().saturating_sub(suggestions).min(3) as f32;
    // A question in a message about a problem is a demand, not an enquiry.
    if questions > 0.0 && scores.complaint < 1.0 {
        scores.add(
            Class::Other,
            0.4 * questions * weight,
            format!("other: asks {questions} question(s) ({origin})"),
        );
    }
}
