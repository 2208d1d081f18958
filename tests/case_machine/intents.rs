//! Issue 13 item 1: a handler's words reach the complainant as the formal
//! response only when the handler chose it. Each path of `core::case::said`:
//! the plain reply kept as a draft, the confirmation bound to its draft, the
//! three explicit intents, the receipts, refusals, and the clock a question
//! pauses (provider B) or keeps (provider A).

use super::*;

const JO: &str = "jo@complainant.test";

fn open_b(w: &World) -> Case {
    w.open(
        Kind::Complaint,
        &[],
        "My sessions were cancelled.",
        t("2026-11-23T10:00:00Z"),
    )
    .case
}

fn to_complainant(tr: &Transition) -> Vec<TemplateId> {
    mails(tr)
        .iter()
        .filter(|m| m.to.contains(&Recipient::Complainant))
        .map(|m| m.template)
        .collect()
}

fn to_writer(tr: &Transition, template: TemplateId) -> Option<&OutMail> {
    mails(tr)
        .into_iter()
        .find(|m| m.template == template && m.to == vec![Recipient::Address(PRIYA.into())])
}

#[test]
fn a_plain_reply_sends_nothing_and_is_kept_as_a_draft_with_a_confirmation() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let tr = w.said(
        &c,
        PRIYA,
        "Called her, she is upset. Will ring the employer.",
        None,
        t("2026-11-23T11:00:00Z"),
    );
    assert!(to_complainant(&tr).is_empty(), "{:?}", to_complainant(&tr));
    assert_eq!(tr.case.state, State::Open);
    assert!(
        due(&tr.case, DeadlineKind::Respond).is_some(),
        "the clock runs"
    );
    assert_eq!(tr.case.drafts.len(), 1);
    assert_eq!(tr.case.drafts[0].number, 1);
    let m = to_writer(&tr, TemplateId::DraftConfirmation).expect("a confirmation to the writer");
    assert_eq!(m.vars.draft, Some(1));
    assert!(m.vars.can_respond && m.vars.can_write);
    assert_eq!(
        m.text.as_deref(),
        Some("Called her, she is upset. Will ring the employer.")
    );
}

#[test]
fn send_to_a_draft_sends_exactly_that_draft_once() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let one = w
        .said(
            &c,
            PRIYA,
            "Dear Jo,\n\nYour sessions are rebooked.",
            None,
            t("2026-11-23T11:00:00Z"),
        )
        .case;
    let two = w
        .said(
            &one,
            PRIYA,
            "Note: her manager was told.",
            None,
            t("2026-11-23T11:05:00Z"),
        )
        .case;
    assert_eq!(two.drafts.len(), 2);
    // The first confirmation's SEND, answered after the second draft was
    // made: it sends draft 1, never the newer draft 2.
    let tr = w.said(
        &two,
        PRIYA,
        "SEND\n\nPriya",
        Some("draft-1"),
        t("2026-11-23T11:10:00Z"),
    );
    let resp = sent(&tr, TemplateId::StageResponse).expect("the stage response");
    assert_eq!(
        resp.text.as_deref(),
        Some("Dear Jo,\n\nYour sessions are rebooked.")
    );
    assert!(!resp.contacts.is_empty(), "names the stage 2 contact");
    assert_eq!(tr.case.state, State::Responded);
    let receipt = to_writer(&tr, TemplateId::SendReceipt).expect("a receipt");
    let r = receipt.vars.receipt.clone().unwrap_or_default();
    assert!(
        r.contains(JO) && r.contains("Stage 1 written response"),
        "{r}"
    );
    assert!(r.contains("Tom Hughes"), "{r}");
    // Every draft of the stage is spent once the response went.
    assert!(tr.case.drafts.is_empty());
    // The same confirmation again: refused, nothing sent.
    let again = w.said(
        &tr.case,
        PRIYA,
        "",
        Some("send-1"),
        t("2026-11-23T11:20:00Z"),
    );
    assert!(to_complainant(&again).is_empty());
    let report = to_writer(&again, TemplateId::CommandReport).expect("a refusal");
    assert!(report
        .vars
        .errors
        .as_deref()
        .unwrap_or("")
        .contains("draft 1 is no longer waiting"));
}

#[test]
fn a_reply_to_a_confirmation_that_is_not_one_word_is_a_new_draft() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let one = w
        .said(&c, PRIYA, "First go.", None, t("2026-11-23T11:00:00Z"))
        .case;
    let tr = w.said(
        &one,
        PRIYA,
        "Send this instead: second go.",
        Some("draft-1"),
        t("2026-11-23T11:05:00Z"),
    );
    assert!(to_complainant(&tr).is_empty());
    assert_eq!(
        tr.case.drafts.iter().map(|d| d.number).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(to_writer(&tr, TemplateId::DraftConfirmation).is_some());
}

#[test]
fn a_draft_expires_and_a_draft_of_an_earlier_stage_cannot_be_sent() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let one = w
        .said(&c, PRIYA, "Old words.", None, t("2026-11-23T11:00:00Z"))
        .case;
    let late = w.said(&one, PRIYA, "", Some("send-1"), t("2026-12-08T11:00:00Z"));
    assert!(to_complainant(&late).is_empty());
    assert!(to_writer(&late, TemplateId::CommandReport)
        .and_then(|m| m.vars.errors.clone())
        .is_some_and(|e| e.contains("older than 14 days")));
    let mut moved = one.clone();
    moved.stage = 1;
    let other = w.said(&moved, PRIYA, "", Some("send-1"), t("2026-11-23T12:00:00Z"));
    assert!(to_complainant(&other).is_empty());
}

#[test]
fn the_send_link_sends_the_formal_response_with_a_receipt_and_strips_the_hint() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let text = format!(
        "Dear Jo,\n\nAll rebooked.\n\n{}: it goes to Jo as the Stage 1 written response.",
        complaintd::core::handler_intent::HINT_MARK
    );
    let tr = w.said(&c, PRIYA, &text, Some("send"), t("2026-11-23T11:00:00Z"));
    let resp = sent(&tr, TemplateId::StageResponse).expect("sent");
    assert_eq!(resp.text.as_deref(), Some("Dear Jo,\n\nAll rebooked."));
    assert!(to_writer(&tr, TemplateId::SendReceipt).is_some());
    assert_eq!(tr.case.state, State::Responded);
}

#[test]
fn a_formal_response_that_cannot_be_complete_is_refused_and_nothing_is_sent() {
    // Nobody holds the stage 2 role the Stage 1 response must name.
    let mut w = World::new("provider-b");
    w.loaded
        .config
        .staff
        .retain(|p| !p.roles.iter().any(|r| r == "stage2_manager"));
    w.directory = w.loaded.directory();
    let c = open_b(&w);
    let tr = w.said(
        &c,
        PRIYA,
        "Dear Jo, all sorted.",
        Some("send"),
        t("2026-11-23T11:00:00Z"),
    );
    assert!(to_complainant(&tr).is_empty(), "{:?}", to_complainant(&tr));
    assert_eq!(tr.case.state, State::Open);
    let m = to_writer(&tr, TemplateId::DraftConfirmation).expect("kept, with the reason");
    let why = m.vars.errors.clone().unwrap_or_default();
    assert!(
        why.contains("next stage's contact (stage2_manager)"),
        "{why}"
    );
    assert!(
        !m.vars.can_respond,
        "SEND is not offered while it would fail"
    );
    // An empty response is refused too.
    let empty = w.said(&c, PRIYA, "   ", Some("send"), t("2026-11-23T11:00:00Z"));
    assert!(to_complainant(&empty).is_empty());
    assert!(to_writer(&empty, TemplateId::CommandReport).is_some());
    // And one when none is due.
    let w = World::new("provider-b");
    let responded = w
        .staff(
            &open_b(&w),
            PRIYA,
            "Dear Jo, done.",
            t("2026-11-23T11:00:00Z"),
        )
        .case;
    let twice = w.said(
        &responded,
        PRIYA,
        "Dear Jo, again.",
        Some("send"),
        t("2026-11-23T12:00:00Z"),
    );
    assert!(sent(&twice, TemplateId::StageResponse).is_none());
}

#[test]
fn a_note_never_leaves_the_organisation_and_gets_a_receipt() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let tr = w.said(
        &c,
        PRIYA,
        "Will phone her tomorrow.",
        Some("note"),
        t("2026-11-23T11:00:00Z"),
    );
    assert!(mails(&tr)
        .iter()
        .all(|m| m.to == vec![Recipient::Address(PRIYA.into())]));
    let r = to_writer(&tr, TemplateId::SendReceipt)
        .and_then(|m| m.vars.receipt.clone())
        .unwrap_or_default();
    assert!(
        r.contains("Nothing was sent outside the organisation"),
        "{r}"
    );
    assert!(tr.effects.iter().any(|e| matches!(e, Effect::Audit(a) if a.action == "note" && a.detail == "Will phone her tomorrow.")));
}

#[test]
fn a_question_pauses_the_clock_where_the_policy_says_and_the_answer_gives_the_days_back() {
    // Provider B pauses: asked on Monday 23rd (due Monday 30th: 5 working
    // days left), answered on Wednesday 25th: due 5 working days later,
    // Wednesday 2 December.
    let w = World::new("provider-b");
    let c = open_b(&w);
    assert_eq!(
        due(&c, DeadlineKind::Respond),
        Some(t("2026-11-30T17:30:00Z"))
    );
    let tr = w.said(
        &c,
        PRIYA,
        "Which dates were cancelled?",
        Some("ask"),
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(to_complainant(&tr), vec![TemplateId::Correspondence]);
    assert_eq!(tr.case.state, State::Open);
    assert_eq!(
        due(&tr.case, DeadlineKind::Respond),
        None,
        "paused: nothing to chase or breach"
    );
    assert_eq!(
        tr.case.paused.as_ref().and_then(|p| p.working_days_left),
        Some(5)
    );
    let r = to_writer(&tr, TemplateId::SendReceipt)
        .and_then(|m| m.vars.receipt.clone())
        .unwrap_or_default();
    assert!(r.contains("as a question") && r.contains("paused"), "{r}");
    let answered = w.reply(&tr.case, "The 4th and the 11th.", t("2026-11-25T10:00:00Z"));
    assert_eq!(
        due(&answered.case, DeadlineKind::Respond),
        Some(t("2026-12-02T17:30:00Z"))
    );
    assert!(answered.case.paused.is_none());
    assert!(answered
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Audit(a) if a.action == "clock resumed")));

    // An update does not pause.
    let upd = w.said(
        &c,
        PRIYA,
        "We are looking into it.",
        Some("write"),
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(to_complainant(&upd), vec![TemplateId::Correspondence]);
    assert_eq!(
        due(&upd.case, DeadlineKind::Respond),
        Some(t("2026-11-30T17:30:00Z"))
    );
}

#[test]
fn a_question_keeps_the_clock_where_the_policy_says_so() {
    let w = World::new("provider-a");
    let c = w
        .open(
            Kind::Complaint,
            &[],
            "My sessions were cancelled.",
            t("2026-11-23T10:00:00Z"),
        )
        .case;
    let before = due(&c, DeadlineKind::Respond).expect("a response clock");
    let handler = c.handler.clone().expect("a handler");
    let tr = w.said(
        &c,
        &handler,
        "Which dates?",
        Some("ask"),
        t("2026-11-23T11:00:00Z"),
    );
    assert_eq!(to_complainant(&tr), vec![TemplateId::Correspondence]);
    assert_eq!(due(&tr.case, DeadlineKind::Respond), Some(before));
    assert!(tr.case.paused.is_none());
    let r = mails(&tr)
        .iter()
        .find(|m| m.template == TemplateId::SendReceipt)
        .and_then(|m| m.vars.receipt.clone())
        .unwrap_or_default();
    assert!(r.contains("stays as it is"), "{r}");
}

#[test]
fn extend_while_paused_sets_the_new_date_and_ends_the_pause() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let paused = w
        .said(
            &c,
            PRIYA,
            "Which dates?",
            Some("ask"),
            t("2026-11-23T11:00:00Z"),
        )
        .case;
    let tr = w.staff(
        &paused,
        PRIYA,
        "#extend 2026-12-10 waiting for the employer",
        t("2026-11-24T11:00:00Z"),
    );
    assert!(tr.case.paused.is_none());
    assert!(due(&tr.case, DeadlineKind::Respond).is_some());
    assert!(sent(&tr, TemplateId::DelayNotice).is_some());
}

#[test]
fn a_draft_confirmed_by_a_colleague_loses_its_authors_signature() {
    let w = World::new("provider-b");
    let c = open_b(&w);
    let one = w
        .said(
            &c,
            PRIYA,
            "Dear Jo,\n\nYour sessions are rebooked.\n\nKind regards,\n\nPriya Desai\nQuality Officer | Provider B",
            None,
            t("2026-11-23T11:00:00Z"),
        )
        .case;
    let tr = w.said(
        &one,
        TOM,
        "SEND\n\nTom",
        Some("draft-1"),
        t("2026-11-23T11:10:00Z"),
    );
    let resp = sent(&tr, TemplateId::StageResponse).expect("the stage response");
    assert_eq!(
        resp.text.as_deref(),
        Some("Dear Jo,\n\nYour sessions are rebooked.")
    );
}
