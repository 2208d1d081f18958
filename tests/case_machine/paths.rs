//! The seed procedures path by path: each test walks one route through the
//! state machine and checks the mail, deadlines and audit it produces.

use super::*;

#[test]
fn provider_b_complaint_runs_all_four_stages() {
    let w = World::new("provider-b");
    // Monday 23 November 2026, 10:00 UTC (= 10:00 London).
    let tr = w.open(
        Kind::Complaint,
        &[],
        "My sessions keep being cancelled.",
        t("2026-11-23T10:00:00Z"),
    );
    let ack = sent(&tr, TemplateId::Acknowledgement);
    assert!(ack.is_some_and(|m| m.to == vec![Recipient::Complainant]
        && m.in_reply_to.as_deref() == Some("first@complainant.test")));
    assert!(sent(&tr, TemplateId::HandlerNotification).is_some());
    assert!(sent(&tr, TemplateId::HandoffNotice)
        .is_some_and(|m| m.to == vec![Recipient::Role("quality_team".into())]));
    assert!(sent(&tr, TemplateId::NewCaseNotice).is_some());
    let c = tr.case;
    assert_eq!(c.state, State::Open);
    assert_eq!(c.handler.as_deref(), Some(PRIYA));
    // 5 working days from Monday: Monday 30 November, close of business 17:30.
    assert_eq!(
        due(&c, DeadlineKind::Respond),
        Some(t("2026-11-30T17:30:00Z"))
    );

    // The handler's reply becomes the stage response naming the stage 2 handler.
    let tr = w.staff(
        &c,
        PRIYA,
        "We are sorry. A new coach starts next week.",
        t("2026-11-25T11:00:00Z"),
    );
    let resp = sent(&tr, TemplateId::StageResponse).expect("stage response");
    assert_eq!(
        resp.text.as_deref(),
        Some("We are sorry. A new coach starts next week.")
    );
    assert_eq!(resp.contacts[0].email.as_deref(), Some(TOM));
    let c = tr.case;
    assert_eq!(c.state, State::Responded);
    assert_eq!(due(&c, DeadlineKind::Respond), None);
    // 10 working days from Wednesday 25 November: Wednesday 9 December.
    assert_eq!(
        due(&c, DeadlineKind::EscalationWindow),
        Some(t("2026-12-09T17:30:00Z"))
    );

    // "Not satisfied because…" within the window: stage 2, acknowledged the same day.
    let tr = w.reply(
        &c,
        "I am not satisfied because the new coach has not been in touch.",
        t("2026-11-27T09:00:00Z"),
    );
    assert!(sent(&tr, TemplateId::Acknowledgement).is_some());
    let c = tr.case;
    assert_eq!((c.stage, c.state), (1, State::Open));
    assert_eq!(c.handler.as_deref(), Some(TOM));
    assert_eq!(
        due(&c, DeadlineKind::Respond),
        Some(t("2026-12-11T17:30:00Z"))
    );

    let tr = w.staff(
        &c,
        TOM,
        "Stage 2 outcome: upheld.",
        t("2026-12-01T10:00:00Z"),
    );
    let c = tr.case;
    let tr = w.reply(
        &c,
        "Still not resolved, I want to appeal.",
        t("2026-12-02T10:00:00Z"),
    );
    // Stage 3: referred to the Quality team within a working day (done at once).
    assert!(sent(&tr, TemplateId::HandoffNotice).is_some());
    let c = tr.case;
    assert_eq!((c.stage, c.handler.as_deref()), (2, Some(MARK)));

    let tr = w.staff(&c, MARK, "Final response.", t("2026-12-03T10:00:00Z"));
    let resp = sent(&tr, TemplateId::StageResponse).expect("stage 3 response");
    let names: Vec<&str> = resp.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Department for Education (DfE) complaints team", "Ofsted"]
    );
    let c = tr.case;
    let tr = w.reply(
        &c,
        "I am not happy and will go to Ofsted.",
        t("2026-12-04T10:00:00Z"),
    );
    assert!(sent(&tr, TemplateId::ExternalReferral).is_some_and(|m| m.contacts.len() == 2));
    assert_eq!(tr.case.state, State::ReferredExternally);
    assert!(tr.case.deadlines.is_empty());
}

#[test]
fn satisfied_reply_does_not_escalate_and_window_expiry_asks_for_lessons() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let c = w
        .staff(&c, PRIYA, "Sorted.", t("2026-11-24T10:00:00Z"))
        .case;
    let tr = w.reply(
        &c,
        "Thank you, that's sorted now.",
        t("2026-11-24T12:00:00Z"),
    );
    assert_eq!(tr.case.stage, 0);
    assert_eq!(tr.case.state, State::Responded);
    assert!(sent(&tr, TemplateId::Acknowledgement).is_none());
    // The window runs out: the case closes pending lessons learnt.
    let at = due(&tr.case, DeadlineKind::EscalationWindow).expect("window") + Duration::minutes(1);
    let tr = w.step(&tr.case, Event::Due(DeadlineKind::EscalationWindow), at);
    assert_eq!(tr.case.state, State::PendingLessons);
    assert!(sent(&tr, TemplateId::LessonsRequest).is_some());
    // Closing is refused without lessons…
    let tr2 = w.staff(&tr.case, PRIYA, "#close", at);
    assert_eq!(tr2.case.state, State::PendingLessons);
    assert!(sent(&tr2, TemplateId::CommandReport).is_some_and(|m| m
        .vars
        .errors
        .as_deref()
        .unwrap_or_default()
        .contains("lessons")));
    // …and accepted with them.
    let tr3 = w.staff(
        &tr.case,
        PRIYA,
        "#close lessons: book cover before cancelling",
        at,
    );
    assert_eq!(tr3.case.state, State::Closed);
    assert_eq!(
        tr3.case.lessons.as_deref(),
        Some("book cover before cancelling")
    );
}

#[test]
fn late_escalation_is_recorded_and_routed_never_dropped() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let c = w
        .staff(&c, PRIYA, "Response.", t("2026-11-24T10:00:00Z"))
        .case;
    let window = due(&c, DeadlineKind::EscalationWindow).expect("window");
    // The scheduler has not fired yet, but the reply is late.
    let tr = w.reply(&c, "I'm not satisfied.", window + Duration::days(3));
    assert_eq!(tr.case.state, State::LateEscalation);
    assert!(sent(&tr, TemplateId::LateEscalationNotice).is_some());
    assert!(sent(&tr, TemplateId::LateEscalationReceived).is_some());
    let accepted = w.staff(
        &tr.case,
        PRIYA,
        "#escalate exceptional circumstances",
        window + Duration::days(4),
    );
    assert_eq!((accepted.case.stage, accepted.case.state), (1, State::Open));
    let declined = w.staff(
        &tr.case,
        PRIYA,
        "#no-action outside the window",
        window + Duration::days(4),
    );
    assert_eq!(declined.case.state, State::PendingLessons);

    // After the window closed the case, a request to take it further still
    // becomes a late escalation; a question is shown to the handler and
    // changes nothing (issue 13: only a request escalates).
    let closed = w
        .step(
            &c,
            Event::Due(DeadlineKind::EscalationWindow),
            window + Duration::minutes(1),
        )
        .case;
    let tr = w.reply(
        &closed,
        "I am still not happy with this and want it taken further.",
        window + Duration::days(5),
    );
    assert_eq!(tr.case.state, State::LateEscalation);
    let tr = w.reply(
        &closed,
        "Why has nothing happened?",
        window + Duration::days(5),
    );
    assert_eq!(tr.case.state, closed.state);
    assert!(sent(&tr, TemplateId::ComplainantUpdate).is_some());
}

#[test]
fn extension_sends_a_delay_notice_before_expiry() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let tr = w.staff(
        &c,
        PRIYA,
        "#extend 2026-12-10 waiting for the employer's statement",
        t("2026-11-27T10:00:00Z"),
    );
    let notice = sent(&tr, TemplateId::DelayNotice).expect("delay notice");
    assert_eq!(
        notice.vars.reason.as_deref().unwrap_or_default(),
        "waiting for the employer's statement"
    );
    assert_eq!(
        notice.vars.new_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 10)
    );
    assert_eq!(
        due(&tr.case, DeadlineKind::Respond),
        Some(t("2026-12-10T17:30:00Z"))
    );
    // An "extension" to an earlier date is refused and reported.
    let tr = w.staff(
        &tr.case,
        PRIYA,
        "#extend 2026-12-01 oops",
        t("2026-11-27T11:00:00Z"),
    );
    assert!(sent(&tr, TemplateId::DelayNotice).is_none());
    assert!(sent(&tr, TemplateId::CommandReport).is_some());
}

#[test]
fn breach_alerts_once_to_handler_manager_and_directors() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let at = due(&c, DeadlineKind::Respond).expect("due") + Duration::minutes(1);
    let early = w.step(
        &c,
        Event::Due(DeadlineKind::Respond),
        at - Duration::hours(2),
    );
    assert!(mails(&early).is_empty(), "not due yet");
    let tr = w.step(&c, Event::Due(DeadlineKind::Respond), at);
    let alert = sent(&tr, TemplateId::BreachAlert).expect("alert");
    assert_eq!(
        alert.to,
        vec![
            Recipient::Handler,
            Recipient::Role("manager".into()),
            Recipient::Role("directors".into())
        ]
    );
    let again = w.step(
        &tr.case,
        Event::Due(DeadlineKind::Respond),
        at + Duration::hours(1),
    );
    assert!(sent(&again, TemplateId::BreachAlert).is_none());
    // A chase on a breached deadline is not sent either.
    assert!(mails(&w.step(&tr.case, Event::Chase(DeadlineKind::Respond), at)).is_empty());
}

#[test]
fn consent_stops_the_clock_until_it_arrives() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::OnBehalf],
        "My daughter, 17, …",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::AwaitingConsent);
    assert!(sent(&tr, TemplateId::ConsentRequest).is_some());
    assert!(due(&tr.case, DeadlineKind::Respond).is_none());
    // Consent written from the complainant's own address is not the
    // learner's: it goes to the handler to confirm, and nothing moves.
    let held = w.reply(
        &tr.case,
        "I give my consent for the investigation. Ellie",
        t("2026-11-25T10:00:00Z"),
    );
    assert_eq!(held.case.state, State::AwaitingConsent);
    assert_eq!(held.case.consent, ConsentStatus::Awaiting);
    let to_handler = sent(&held, TemplateId::ComplainantUpdate).expect("handler told");
    assert!(to_handler
        .vars
        .note
        .as_deref()
        .unwrap_or_default()
        .contains("jo@complainant.test sent consent"));
    assert!(to_handler
        .vars
        .note
        .as_deref()
        .unwrap_or_default()
        .contains("#consent received"));
    // The complainant gives the learner's address: the request goes there.
    let asked = w.reply(
        &held.case,
        "Her own address is Ellie.L@learner.test, please ask her.",
        t("2026-11-25T11:00:00Z"),
    );
    let req = sent(&asked, TemplateId::ConsentRequest).expect("consent request");
    assert_eq!(
        req.to,
        vec![Recipient::Address("ellie.l@learner.test".into())]
    );
    assert_eq!(
        asked.case.consent_asked,
        vec!["ellie.l@learner.test".to_string()]
    );
    // Consent from that address counts at once.
    let tr = w.step(
        &asked.case,
        Event::ComplainantReplied(Inbound {
            message_id: Some("ellie@learner.test".into()),
            from: "ellie.l@learner.test".into(),
            name: None,
            text: "I give my consent for the investigation. Ellie".into(),
        }),
        t("2026-11-26T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Open);
    assert_eq!(tr.case.consent, ConsentStatus::Received);
    // Stage 1 of provider A: 2 working days from the consent.
    assert_eq!(
        due(&tr.case, DeadlineKind::Respond),
        Some(t("2026-11-30T17:00:00Z"))
    );
}

#[test]
fn a_handler_can_send_the_consent_request_to_the_learner() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::OnBehalf],
        "My son, 16, …",
        t("2026-11-23T10:00:00Z"),
    );
    let handler = tr.case.handler.clone().expect("handler");
    let refused = w.staff(
        &tr.case,
        &handler,
        "#consent request jo@complainant.test",
        t("2026-11-23T11:00:00Z"),
    );
    assert!(
        sent(&refused, TemplateId::CommandReport).is_some(),
        "the complainant's own address is not the learner's"
    );
    let tr = w.staff(
        &tr.case,
        &handler,
        "#consent request sam@learner.test",
        t("2026-11-23T11:00:00Z"),
    );
    let req = sent(&tr, TemplateId::ConsentRequest).expect("consent request");
    assert_eq!(req.to, vec![Recipient::Address("sam@learner.test".into())]);
    assert_eq!(
        case::standing(&tr.case, "sam@learner.test", false),
        case::Standing::Correspondent
    );
    let tr = w.step(
        &tr.case,
        Event::ComplainantReplied(Inbound {
            message_id: None,
            from: "sam@learner.test".into(),
            name: None,
            text: "I consent to an investigation.".into(),
        }),
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(
        (tr.case.state, tr.case.consent),
        (State::Open, ConsentStatus::Received)
    );
}

/// Provider B's complaint about cancelled sessions, answered by its handler.
fn responded_complaint() -> (World, Transition) {
    let w = World::new("provider-b");
    let tr = w.open(
        Kind::Complaint,
        &[],
        "Cancelled sessions.",
        t("2026-11-23T10:00:00Z"),
    );
    let tr = w.staff(
        &tr.case,
        PRIYA,
        "Dear Jo, rebooked.",
        t("2026-11-23T12:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Responded);
    (w, tr)
}

/// A message in the complainant's name found by its sender alone, that
/// their mail server did not vouch for: recorded and shown to the handler,
/// and nothing about the case moves, whatever it asks.
#[test]
fn an_unproven_message_in_the_complainants_name_changes_nothing() {
    let (w, tr) = responded_complaint();
    let after = w.step(
        &tr.case,
        Event::UnprovenReply(Inbound {
            message_id: Some("u@complainant.test".into()),
            from: "jo@complainant.test".into(),
            name: Some("Jo".into()),
            text: "Further to my complaint: I am not satisfied, escalate this to the next stage."
                .into(),
        }),
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(after.case, tr.case, "nothing about the case changed");
    let m = mails(&after);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].template, TemplateId::UnprovenMessage);
    assert_eq!(m[0].to, vec![Recipient::Handler]);
    assert!(after.effects.iter().any(|e| matches!(
        e,
        Effect::Audit(a) if a.action == "unproven message"
    )));
}

#[test]
fn a_third_party_message_changes_nothing() {
    let (w, tr) = responded_complaint();
    let stranger = "mallory@elsewhere.test";
    assert_eq!(
        case::standing(&tr.case, stranger, false),
        case::Standing::ThirdParty
    );
    assert_eq!(
        case::standing(&tr.case, "JO@complainant.test", false),
        case::Standing::Complainant
    );
    assert_eq!(
        case::standing(&tr.case, stranger, true),
        case::Standing::Correspondent
    );
    let after = w.step(
        &tr.case,
        Event::ThirdPartyWrote(Inbound {
            message_id: Some("m@elsewhere.test".into()),
            from: stranger.into(),
            name: Some("Jo Bloggs".into()),
            text: "I am not satisfied, escalate this to the next stage.".into(),
        }),
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(after.case, tr.case, "nothing about the case changed");
    let m = mails(&after);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].template, TemplateId::ThirdPartyMessage);
    assert_eq!(m[0].to, vec![Recipient::Handler]);
    assert_eq!(m[0].vars.sender.as_deref().unwrap_or_default(), stranger);
    assert!(after.effects.iter().any(|e| matches!(
        e,
        Effect::Audit(a) if a.actor == case::Actor::ThirdParty(stranger.into())
    )));
}

#[test]
fn decisive_commands_are_confirmed_to_their_sender() {
    let w = World::new("provider-b");
    let tr = w.open(
        Kind::Complaint,
        &[],
        "Cancelled sessions.",
        t("2026-11-23T10:00:00Z"),
    );
    let tr = w.staff(&tr.case, PRIYA, "#note rang Jo", t("2026-11-23T11:00:00Z"));
    assert!(
        sent(&tr, TemplateId::CommandDone).is_none(),
        "a note is not confirmed"
    );
    let tr = w.staff(
        &tr.case,
        PRIYA,
        "#withdraw Jo sorted it with her coach",
        t("2026-11-23T12:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Withdrawn);
    let done = sent(&tr, TemplateId::CommandDone).expect("confirmation");
    assert_eq!(done.to, vec![Recipient::Address(PRIYA.into())]);
    assert!(
        done.vars
            .done
            .as_deref()
            .unwrap_or_default()
            .contains("Withdrawn: the case is now withdrawn"),
        "{:?}",
        done.vars
    );
}

#[test]
fn safeguarding_never_waits_for_consent_and_alerts_at_once() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::OnBehalf, Flag::Safeguarding],
        "x",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Open);
    assert!(sent(&tr, TemplateId::ConsentRequest).is_some());
    assert!(sent(&tr, TemplateId::FlagAlert)
        .is_some_and(|m| m.to == vec![Recipient::Role("head_of_quality".into())]));
}

#[test]
fn urgent_means_the_policys_urgent_flags_for_consent_and_anonymity_alike() {
    let mut w = World::new("provider-a");
    w.loaded.policy.anonymous.urgent_flags = vec![Flag::HealthSafety];
    let now = t("2026-11-23T10:00:00Z");
    let waits = w.open(
        Kind::Complaint,
        &[Flag::OnBehalf, Flag::Safeguarding],
        "x",
        now,
    );
    assert_eq!(waits.case.state, State::AwaitingConsent);
    let starts = w.open(
        Kind::Complaint,
        &[Flag::OnBehalf, Flag::HealthSafety],
        "x",
        now,
    );
    assert_eq!(starts.case.state, State::Open);
    let anonymous = w.open(
        Kind::Complaint,
        &[Flag::Anonymous, Flag::HealthSafety],
        "x",
        now,
    );
    assert!(sent(&anonymous, TemplateId::AnonymousDecisionRequest).is_some_and(|m| m.vars.urgent));
    let anonymous = w.open(
        Kind::Complaint,
        &[Flag::Anonymous, Flag::Safeguarding],
        "x",
        now,
    );
    assert!(sent(&anonymous, TemplateId::AnonymousDecisionRequest).is_some_and(|m| !m.vars.urgent));
}

#[test]
fn anonymous_waits_for_the_directors() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::Anonymous],
        "x",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::AwaitingDecision);
    assert!(sent(&tr, TemplateId::AnonymousDecisionRequest)
        .is_some_and(|m| m.to == vec![Recipient::Role("directors".into())]));
    let director = "eleri.jones@provider-a.example.test";
    let go = w.staff(
        &tr.case,
        director,
        "#proceed concerns a learner's welfare",
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(go.case.state, State::Open);
    assert!(due(&go.case, DeadlineKind::Respond).is_some());
    let stop = w.staff(&tr.case, director, "#no-action", t("2026-11-24T10:00:00Z"));
    assert_eq!(stop.case.state, State::Closed);
    // Urgent flags put a one-day deadline on the decision.
    let urgent = w.open(
        Kind::Complaint,
        &[Flag::Anonymous, Flag::Safeguarding],
        "x",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(
        due(&urgent.case, DeadlineKind::Decision),
        Some(t("2026-11-24T17:00:00Z"))
    );
}

#[test]
fn assessment_appeal_is_redirected_and_can_be_taken_back() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::AssessmentAppeal],
        "re-mark please",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Redirected);
    let m = sent(&tr, TemplateId::AppealsRedirect).expect("redirect");
    assert_eq!(
        m.contacts[0].email.as_deref(),
        Some("appeals@provider-a.example.test")
    );
    assert!(tr.case.deadlines.is_empty());
    let back = w.staff(
        &tr.case,
        "rhian.price@provider-a.example.test",
        "#proceed it is about the admin too",
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(back.case.state, State::Open);
    assert!(!back.case.flags.contains(&Flag::AssessmentAppeal));
}

#[test]
fn compliment_is_thanked_and_permission_recorded() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Compliment,
        &[],
        "Thank you Huw",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(tr.case.state, State::AwaitingPermission);
    assert!(sent(&tr, TemplateId::ComplimentThanks).is_some_and(|m| m.vars.ask_permission));
    let yes = w.reply(
        &tr.case,
        "Yes, happy for you to share it",
        t("2026-11-24T10:00:00Z"),
    );
    assert_eq!(
        (yes.case.state, yes.case.share_permission),
        (State::Closed, Some(true))
    );
    let silent = w.step(
        &tr.case,
        Event::Due(DeadlineKind::Permission),
        t("2026-12-31T10:00:00Z"),
    );
    assert_eq!(
        (silent.case.state, silent.case.share_permission),
        (State::Closed, None)
    );
}

/// Praise of a partner college keeps its subcontractor flag but alerts
/// nobody: the route's alert is for a concern. A hazard in praise still
/// alerts.
#[test]
fn a_compliment_records_who_and_where_but_alerts_only_a_hazard() {
    // provider-b tells its head of contracts at once of a subcontractor flag.
    let w = World::new("provider-b");
    let tr = w.open(
        Kind::Compliment,
        &[Flag::Subcontractor, Flag::OnBehalf],
        "My son's tutor at the partner college is brilliant",
        t("2026-11-23T10:00:00Z"),
    );
    assert!(tr.case.flags.contains(&Flag::Subcontractor));
    assert!(sent(&tr, TemplateId::FlagAlert).is_none());
    let tr = w.open(
        Kind::Compliment,
        &[Flag::Subcontractor, Flag::Safeguarding],
        "Thank you for how the disclosure was handled",
        t("2026-11-23T10:00:00Z"),
    );
    let m = sent(&tr, TemplateId::FlagAlert).expect("the safeguarding alert");
    assert_eq!(m.vars.flag.as_deref(), Some("safeguarding"));
}

#[test]
fn routing_by_flag_and_subject_of_the_complaint() {
    let w = World::new("provider-a");
    let tr = w.open(
        Kind::Complaint,
        &[Flag::Subcontractor],
        "x",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(
        tr.case.handler.as_deref(),
        Some("dafydd.rees@provider-a.example.test")
    );
    // A complaint naming the first manager goes to the next one.
    let tr = w.open(
        Kind::Complaint,
        &[],
        "Rhian Price was rude to me.",
        t("2026-11-23T10:00:00Z"),
    );
    assert_eq!(
        tr.case.handler.as_deref(),
        Some("gareth.owen@provider-a.example.test")
    );
    let refused = w.staff(
        &tr.case,
        "gareth.owen@provider-a.example.test",
        "#assign rhian.price@provider-a.example.test",
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(
        refused.case.handler.as_deref(),
        Some("gareth.owen@provider-a.example.test")
    );
    // Provider B: the manager who is the subject hands the case on (stage 2).
    let w = World::new("provider-b");
    let c = w
        .open(
            Kind::Complaint,
            &[Flag::StaffSubject],
            "x",
            t("2026-11-23T10:00:00Z"),
        )
        .case;
    assert_eq!(c.handler.as_deref(), Some(MARK));
}

#[test]
fn unverified_staff_mail_executes_nothing() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let tr = w.step(
        &c,
        Event::StaffReplied {
            message: Inbound {
                message_id: Some("forged@evil.test".into()),
                from: PRIYA.into(),
                name: None,
                text: "#close lessons: none".into(),
            },
            verified: false,
            parsed: commands::parse("#close lessons: none"),
            intent: None,
        },
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Open);
    assert!(mails(&tr)
        .iter()
        .all(|m| m.template == TemplateId::UnverifiedSender));
    assert!(tr
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Audit(a) if a.action == "unverified staff message")));
}

#[test]
fn reclassify_withdraw_and_enquiries() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Compliment, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let tr = w.staff(
        &c,
        PRIYA,
        "#reclassify complaint",
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(
        (tr.case.kind, tr.case.state),
        (Kind::Complaint, State::Open)
    );
    assert!(sent(&tr, TemplateId::Acknowledgement).is_some());
    let tr = w.staff(
        &tr.case,
        PRIYA,
        "#withdraw the learner resolved it with her coach",
        t("2026-11-23T12:00:00Z"),
    );
    assert_eq!(tr.case.state, State::Withdrawn);
    assert!(tr.case.deadlines.is_empty());

    let e = w.open(
        Kind::Other,
        &[],
        "Do you have a brochure?",
        t("2026-11-23T10:00:00Z"),
    );
    assert!(
        sent(&e, TemplateId::Acknowledgement).is_none(),
        "enquiries and spam are not auto-answered"
    );
    let answered = w.staff(&e.case, PRIYA, "Here it is.", t("2026-11-23T11:00:00Z"));
    assert!(sent(&answered, TemplateId::Correspondence).is_some());
    assert_eq!(answered.case.state, State::Closed);
}

#[test]
fn chases_land_in_working_hours_before_the_deadline() {
    let w = World::new("provider-b");
    let c = w
        .open(Kind::Complaint, &[], "x", t("2026-11-23T10:00:00Z"))
        .case;
    let d = c
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Respond)
        .expect("respond");
    let times = chase_times(d.due, d.start, &w.loaded.policy, &w.calendar);
    // 2 working days before Monday 30 Nov 17:30 is Thursday's close, moved
    // back into working hours; 4 working hours before is Monday 13:30.
    assert_eq!(
        times,
        vec![t("2026-11-26T16:30:00Z"), t("2026-11-30T13:30:00Z")]
    );
    for x in times {
        assert!(w.calendar.is_working_time(x));
    }
}

/// The handler's own signature block (name, title, direct line) is kept off
/// the response the complainant gets: the template signs for the
/// organisation. A sentence that names the handler stays.
#[test]
fn handler_signature_is_not_relayed() {
    let w = World::new("provider-b");
    let c = w
        .open(
            Kind::Complaint,
            &[],
            "My sessions keep being cancelled.",
            t("2026-11-23T10:00:00Z"),
        )
        .case;
    let tr = w.staff(
        &c,
        PRIYA,
        "We are sorry. Priya Desai will be your contact from now on.\n\nKind regards,\n\nPriya Desai\nQuality Officer | Provider B\nDirect line 01234 567890",
        t("2026-11-25T11:00:00Z"),
    );
    let resp = sent(&tr, TemplateId::StageResponse).expect("stage response");
    assert_eq!(
        resp.text.as_deref(),
        Some("We are sorry. Priya Desai will be your contact from now on.")
    );
}

#[test]
fn the_survey_goes_once_and_never_to_anonymous_machine_or_opted_out_complainants() {
    let w = World::new("provider-b");
    let tr = w.open(
        Kind::Complaint,
        &[],
        "My coach cancelled three sessions and I want them rebooked.",
        t("2026-11-23T10:00:00Z"),
    );
    let c = tr.case;
    let handler = c.handler.clone().expect("a handler");
    let closed = w
        .staff(
            &c,
            &handler,
            "#close lessons: rebook within a day",
            t("2026-11-23T11:00:00Z"),
        )
        .case;
    assert_eq!(closed.state, State::Closed);
    let due = |c: &Case| w.step(c, Event::SurveyDue, t("2026-11-24T10:00:00Z"));
    let tr = due(&closed);
    assert!(sent(&tr, TemplateId::SatisfactionSurvey).is_some());
    assert!(tr.case.survey.is_some());
    assert!(
        sent(&due(&tr.case), TemplateId::SatisfactionSurvey).is_none(),
        "never twice"
    );
    let mut anonymous = closed.clone();
    anonymous.flags.insert(Flag::Anonymous);
    let mut machine = closed.clone();
    machine.complainant.address = "no-reply@complainant.test".into();
    let mut opted_out = closed.clone();
    opted_out.no_survey = true;
    let mut open = closed.clone();
    open.state = State::Responded;
    for c in [anonymous, machine, opted_out, open] {
        let tr = due(&c);
        assert!(sent(&tr, TemplateId::SatisfactionSurvey).is_none(), "{c:?}");
        assert!(tr.case.survey.is_none());
    }
}
