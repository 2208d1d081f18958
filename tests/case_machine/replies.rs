//! Complainants' replies after a stage response (issue 13 §2): only a
//! request to take it further, or dissatisfaction with the response, moves
//! the case to its next stage; answers, chases and thanks (in any language
//! the reader covers) are shown to the handler and change nothing; an
//! unclear reply goes to the handler as a decision, chased before its
//! deadline, and the escalation window never closes the case under it.

use super::*;

/// A complaint answered at Stage 1 under `provider`'s policy, and its handler.
fn responded(w: &World) -> (Case, String) {
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let handler = c.handler.clone().expect("a handler");
    let c = w
        .staff(&c, &handler, "Response.", t("2026-11-24T10:00:00Z"))
        .case;
    assert_eq!(c.state, State::Responded);
    (c, handler)
}

fn audit_details(tr: &Transition) -> Vec<String> {
    tr.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Audit(a) => Some(format!("{}: {}", a.action, a.detail)),
            _ => None,
        })
        .collect()
}

#[test]
fn only_a_request_to_take_it_further_escalates() {
    for provider in ["provider-a", "provider-b"] {
        let w = World::new(provider);
        let (c, _) = responded(&w);
        let at = t("2026-11-25T10:00:00Z");
        for text in [
            "I am not happy with it. I would like my complaint to go to Stage 2 please.",
            "Diolch am yr ymateb, ond dydw i ddim yn fodlon. Hoffwn i'r gŵyn fynd ymlaen i Gam 2.",
            "No estoy satisfecha con la respuesta.",
        ] {
            let tr = w.reply(&c, text, at);
            assert_eq!(
                (tr.case.stage, tr.case.state),
                (1, State::Open),
                "{provider}: {text}"
            );
            assert!(
                audit_details(&tr)
                    .iter()
                    .any(|a| a.starts_with("replied: read as escalate")),
                "{provider}: the reading and its reason are on the record"
            );
        }
        for text in [
            // Thanks in other languages, a thanks that declines to go further.
            "Muito obrigada pela resposta. O Gareth já me ligou e está tudo resolvido.",
            "Dziękuję bardzo za odpowiedź. Termin egzaminu mi odpowiada.",
            "Vă mulțumesc foarte mult pentru răspuns.",
            "Thanks for sorting this. All good now, no need to take it any further.",
            // A chase for something promised.
            "Any update on the refund you mentioned? Still not been paid.",
        ] {
            let tr = w.reply(&c, text, at);
            assert_eq!(
                (tr.case.stage, tr.case.state),
                (0, State::Responded),
                "{provider}: {text}: {:?}",
                audit_details(&tr)
            );
            let m = sent(&tr, TemplateId::ComplainantUpdate).expect("shown to the handler");
            assert_eq!(m.to, vec![Recipient::Handler]);
            assert_eq!(m.text.as_deref(), Some(text));
            assert!(!tr.case.escalation_undecided, "{text}");
        }
        // "not" and "still" describing the past: not a request, so the
        // handler decides; nothing moves.
        let text = "The sessions were on 29 October and 5 November. Nobody told me and I was still not happy then.";
        let tr = w.reply(&c, text, at);
        assert_eq!((tr.case.stage, tr.case.state), (0, State::Responded));
        assert!(tr.case.escalation_undecided);
    }
}

#[test]
fn before_a_response_nothing_escalates() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    for text in [
        "Still waiting, I want this escalated to the manager.",
        "Hi, still waiting to hear back. Email said I'd get an answer today?",
        "The dates were 3 and 10 November.",
    ] {
        let tr = w.reply(&c, text, t("2026-11-25T10:00:00Z"));
        assert_eq!((tr.case.stage, tr.case.state), (0, State::Open), "{text}");
        assert!(sent(&tr, TemplateId::ComplainantUpdate).is_some());
    }
}

#[test]
fn an_unclear_reply_is_the_handlers_decision_never_limbo() {
    for provider in ["provider-a", "provider-b"] {
        let w = World::new(provider);
        let (c, handler) = responded(&w);
        let window = due(&c, DeadlineKind::EscalationWindow).expect("window");
        let at = window - Duration::hours(30);
        let tr = w.reply(&c, "ok", at);
        assert_eq!((tr.case.stage, tr.case.state), (0, State::Responded));
        assert!(tr.case.escalation_undecided);
        let m = sent(&tr, TemplateId::ComplainantUpdate).expect("handler told");
        let note = m.vars.note.clone().unwrap_or_default();
        assert!(
            note.contains("#escalate") && note.contains("#no-escalate"),
            "{note}"
        );
        // The decision has a deadline from the policy, chased like any other.
        let decide_by = due(&tr.case, DeadlineKind::Decision).expect("decision deadline");
        let span = w.loaded.policy.replies.decide_unclear_within;
        assert_eq!(
            decide_by,
            w.calendar.deadline(at, span).at.min(window),
            "{provider}: within the policy's span, and by the end of the window"
        );
        assert!(decide_by <= window);
        // Early in the window the policy's span decides.
        let early = w.reply(&c, "ok", t("2026-11-25T10:00:00Z"));
        assert_eq!(
            due(&early.case, DeadlineKind::Decision),
            Some(w.calendar.deadline(t("2026-11-25T10:00:00Z"), span).at)
        );
        let d = tr
            .case
            .deadlines
            .iter()
            .find(|d| d.kind == DeadlineKind::Decision)
            .expect("decision");
        assert!(d.kind.someone_must_act());
        assert!(!chase_times(d.due, d.start, &w.loaded.policy, &w.calendar).is_empty());
        let chased = w.step(
            &tr.case,
            Event::Chase(DeadlineKind::Decision),
            d.due - Duration::hours(2),
        );
        assert!(sent(&chased, TemplateId::ChaseUp).is_some());

        // The window runs out first: the case stays open for the decision…
        let after = w
            .step(&tr.case, Event::Due(DeadlineKind::EscalationWindow), window)
            .case;
        assert_eq!(after.state, State::Responded, "{provider}");
        // …and an undecided decision alerts the handler and managers.
        let late = w.step(&after, Event::Due(DeadlineKind::Decision), decide_by);
        assert!(sent(&late, TemplateId::BreachAlert).is_some());

        // #no-escalate: the case stays at its stage, and now closes as the
        // policy closes a case whose window ran out.
        let no = w.staff(
            &after,
            &handler,
            "#no-escalate she was saying thanks",
            window + Duration::hours(1),
        );
        assert!(!no.case.escalation_undecided);
        assert!(due(&no.case, DeadlineKind::Decision).is_none());
        assert_eq!(no.case.stage, 0);
        assert!(
            matches!(no.case.state, State::Closed | State::PendingLessons),
            "{provider}: {:?}",
            no.case.state
        );
        // #escalate: the next stage.
        let yes = w.staff(
            &tr.case,
            &handler,
            "#escalate she wants a review",
            at + Duration::hours(1),
        );
        assert_eq!((yes.case.stage, yes.case.state), (1, State::Open));
        assert!(!yes.case.escalation_undecided);
        // Within the window, #no-escalate leaves the window running.
        let no = w.staff(&tr.case, &handler, "#no-escalate", at + Duration::hours(1));
        assert_eq!(no.case.state, State::Responded);
        assert_eq!(due(&no.case, DeadlineKind::EscalationWindow), Some(window));
        // Nothing to decide: the handler is told so.
        let again = w.staff(&no.case, &handler, "#no-escalate", at + Duration::hours(2));
        assert!(sent(&again, TemplateId::CommandReport).is_some());
    }
}
