//! Property tests: invariants that hold on any path through the machine.

use super::*;

#[derive(Debug, Clone)]
enum Step {
    Staff(usize),
    Said(usize, usize),
    Reply(usize),
    Stranger(usize),
    Due(usize),
    Chase(usize),
    Wait(i64),
}

const STAFF_TEXTS: [&str; 11] = [
    "Here is our response.",
    "#note called the learner",
    "#extend 2027-03-01 waiting for statements",
    "#close",
    "#close lessons: better rotas",
    "#reclassify complaint",
    "#reclassify compliment",
    "#escalate",
    "#proceed",
    "#no-action",
    "#reclassify other",
];
/// What a handler writes, and to which address: a plain reply (`None`),
/// a link's intent, or a draft's confirmation.
const SAID_TEXTS: [&str; 4] = ["Will phone her tomorrow.", "SEND", "Which dates?", ""];
const INTENTS: [Option<&str>; 8] = [
    None,
    Some("ask"),
    Some("write"),
    Some("note"),
    Some("draft-1"),
    Some("send-1"),
    Some("ask-2"),
    Some("send"),
];
const REPLIES: [&str; 4] = [
    "I am not satisfied with this at all.",
    "Thank you, that's sorted.",
    "I give my consent.",
    "Yes, happy for you to share it.",
];
const KINDS: [DeadlineKind; 6] = [
    DeadlineKind::Acknowledge,
    DeadlineKind::Respond,
    DeadlineKind::EscalationWindow,
    DeadlineKind::Decision,
    DeadlineKind::Permission,
    DeadlineKind::ConfirmKind,
];

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..STAFF_TEXTS.len()).prop_map(Step::Staff),
        (0..SAID_TEXTS.len(), 0..INTENTS.len()).prop_map(|(t, i)| Step::Said(t, i)),
        (0..REPLIES.len()).prop_map(Step::Reply),
        (0..REPLIES.len()).prop_map(Step::Stranger),
        (0..KINDS.len()).prop_map(Step::Due),
        (0..KINDS.len()).prop_map(Step::Chase),
        (1i64..400).prop_map(Step::Wait),
    ]
}

fn flags_strategy() -> impl Strategy<Value = Vec<Flag>> {
    proptest::sample::subsequence(Flag::iter().collect::<Vec<_>>(), 0..3)
}

fn check_invariants(before: &Case, tr: &Transition, machine_sender: bool) {
    let c = &tr.case;
    for d in &c.deadlines {
        assert!(d.due >= d.start, "deadline before its start: {d:?}");
    }
    if c.state == State::Triage {
        // Machine mail never opens triage, and a triage case always has its
        // clock and a confirmation time until the handler confirms the kind.
        assert!(
            !machine_sender && !c.kind.is_machine(),
            "machine mail in triage"
        );
        let has = |k| c.deadlines.iter().any(|d| d.kind == k);
        assert!(
            has(DeadlineKind::Respond) && has(DeadlineKind::ConfirmKind),
            "triage without its deadlines: {:?}",
            c.deadlines
        );
    }
    // Only remedies outlive the case: they are followed until done.
    if c.state.is_final() || c.state == State::PendingLessons {
        assert!(
            c.deadlines.iter().all(|d| d.kind == DeadlineKind::Remedy),
            "pending deadline on a {:?} case: {:?}",
            c.state,
            c.deadlines
        );
    }
    for e in &tr.effects {
        if let Effect::Send(m) = e {
            assert!(!m.to.is_empty());
            if machine_sender || c.kind.is_machine() {
                assert!(
                    !m.to.contains(&Recipient::Complainant),
                    "mail to a machine sender: {m:?}"
                );
            }
        }
    }
    // A paused response clock is not a pending deadline (nothing chases it).
    if c.paused.is_some() {
        assert!(
            c.deadlines.iter().all(|d| d.kind != DeadlineKind::Respond),
            "paused, yet a response deadline: {:?}",
            c.deadlines
        );
    }
    // The deadline effects describe exactly how the case's deadlines changed.
    let mut applied = before.deadlines.clone();
    for e in &tr.effects {
        match e {
            Effect::SetDeadline(d) => {
                applied.retain(|x| x.kind != d.kind);
                applied.push(d.clone());
            }
            Effect::ClearDeadline(k) => applied.retain(|x| x.kind != *k),
            Effect::Met(d) => applied.retain(|x| x.kind != d.kind),
            _ => {}
        }
    }
    let mut a = applied;
    let mut b = c.deadlines.clone();
    a.sort_by_key(|d| d.kind);
    b.sort_by_key(|d| d.kind);
    assert_eq!(a, b, "effects and case disagree");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_any_path(
        provider in prop_oneof![Just("provider-a"), Just("provider-b")],
        kind in prop_oneof![Just(Kind::Complaint), Just(Kind::Compliment), Just(Kind::Comment), Just(Kind::Other), Just(Kind::AutoReply), Just(Kind::Bounce)],
        flags in flags_strategy(),
        machine_sender in any::<bool>(),
        triage in any::<bool>(),
        start_minutes in 0i64..(60 * 24 * 14),
        steps in proptest::collection::vec(step_strategy(), 1..25),
    ) {
        let w = World::new(provider);
        let mut now = t("2026-11-16T00:00:00Z") + Duration::minutes(start_minutes);
        let class = Classification { kind, flags: flags.into_iter().collect(), reasons: vec![], triage };
        let from = if machine_sender { "mailer-daemon@mx.test" } else { "jo@complainant.test" };
        let msg = Inbound { message_id: Some("m@x".into()), from: from.into(), name: None, text: "x".into() };
        let blank = Case { deadlines: vec![], ..w.open(Kind::Other, &[], "x", now).case };
        let tr = case::open("PAR-2026-0002".parse().expect("ref"), &msg, &class, &w.ctx(), now);
        check_invariants(&blank, &tr, machine_sender);
        // Unsure mail from a person opens in triage; machine mail never does.
        let person = !machine_sender && !kind.is_machine();
        prop_assert_eq!(tr.case.state == State::Triage, triage && person);
        let mut c = tr.case;
        let handler = w.loaded.config.staff[0].email.clone();
        for s in steps {
            let tr = match s {
                Step::Staff(i) => w.staff(&c, c.handler.clone().as_deref().unwrap_or(&handler), STAFF_TEXTS[i], now),
                Step::Said(t, i) => {
                    let tr = w.said(&c, c.handler.clone().as_deref().unwrap_or(&handler), SAID_TEXTS[t], INTENTS[i], now);
                    // Only an explicit SEND (the link, or the word to a
                    // draft's confirmation) ever sends a formal response.
                    let chose_send = match INTENTS[i] {
                        Some(s) => s.starts_with("send") || (s.starts_with("draft-") && SAID_TEXTS[t] == "SEND"),
                        None => false,
                    };
                    let formal = tr.effects.iter().any(|e| matches!(e, Effect::Send(m) if m.template == TemplateId::StageResponse));
                    prop_assert!(chose_send || !formal, "a formal response nobody chose: {:?}", tr.effects);
                    tr
                }
                Step::Reply(i) => {
                    let e = Event::ComplainantReplied(Inbound { message_id: None, from: from.into(), name: None, text: REPLIES[i].into() });
                    w.step(&c, e, now)
                }
                Step::Stranger(i) => {
                    // Whatever a stranger writes, the case stays as it was.
                    let e = Event::ThirdPartyWrote(Inbound { message_id: None, from: "mallory@elsewhere.test".into(), name: None, text: REPLIES[i].into() });
                    let tr = w.step(&c, e, now);
                    prop_assert_eq!(&tr.case, &c);
                    let only_notice_and_audit = tr.effects.iter().all(|e| match e {
                        Effect::Send(m) => m.to == vec![Recipient::Handler],
                        Effect::Audit(_) => true,
                        _ => false,
                    });
                    prop_assert!(only_notice_and_audit, "{:?}", tr.effects);
                    tr
                }
                Step::Due(i) => w.step(&c, Event::Due(KINDS[i]), now),
                Step::Chase(i) => w.step(&c, Event::Chase(KINDS[i]), now),
                Step::Wait(h) => { now += Duration::hours(h); continue; }
            };
            check_invariants(&c, &tr, machine_sender);
            c = tr.case;
        }
    }
}
