//! Opening a case for a newly received message, and the opening path for
//! each kind (also taken again after a reclassification).

use super::deadline::DeadlineKind;
use super::effect::{is_machine_address, Actor, Contact, OutMail, Recipient};
use super::out::{mail, roles, with_vars, Out};
use super::stage::{begin_stage, choose_handler, close};
use super::state::{Case, ConsentStatus, Party, State};
use super::template::TemplateId;
use super::Transition;
use super::{Ctx, Inbound};
use crate::core::calendar::Span;
use crate::core::classify::Classification;
use crate::core::kind::{Flag, Kind};
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};

/// Open a case for a newly received message.
pub fn open(
    reference: CaseRef,
    msg: &Inbound,
    class: &Classification,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
) -> Transition {
    let case = Case {
        reference,
        kind: class.kind,
        flags: class.flags.clone(),
        state: State::Open,
        stage: 0,
        complainant: Party {
            address: msg.from.to_ascii_lowercase(),
            name: msg.name.clone(),
        },
        handler: None,
        excluded_handlers: ctx.directory.mentioned_in(&msg.text),
        opened_at: now,
        stage_received_at: now,
        acknowledged_at: None,
        responded_at: None,
        deadlines: Vec::new(),
        consent: ConsentStatus::NotNeeded,
        lessons: None,
        share_permission: None,
        resume_state: None,
        last_inbound_id: msg.message_id.clone(),
        closed_at: None,
        contacts: Vec::new(),
        consent_asked: Vec::new(),
        escalation_undecided: false,
        linked: Vec::new(),
        drafts: Vec::new(),
        drafts_made: 0,
        paused: None,
        language: None,
        hold: None,
        anonymised_at: None,
        data_protection: false,
        survey: None,
        no_survey: false,
        records: Default::default(),
    };
    let mut out = Out {
        case,
        effects: Vec::new(),
    };
    out.audit(
        Actor::Complainant,
        "received",
        format!(
            "classified {}{}: {}",
            class.kind,
            if class.flags.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}]",
                    class
                        .flags
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            class.reasons.join("; ")
        ),
        msg.message_id.as_deref(),
    );
    // Recall first: a person's message that may be a complaint is never
    // left without an acknowledgement and a clock. Machine mail never is.
    let person = !class.kind.is_machine() && !is_machine_address(&msg.from);
    let triage = class.triage && person && ctx.policy.triage.enabled;
    if triage {
        start_triage(&mut out, ctx, now, &class.reasons);
    } else {
        start_kind(&mut out, ctx, now, &class.reasons);
    }
    if person && (triage || class.kind == Kind::Complaint) {
        flag_if_late(&mut out, ctx, now, &msg.text);
    }
    // A complaint about the use of personal data runs its own clock too.
    if person {
        if let Some(why) = super::data_protection::data_protection_cue(&msg.text) {
            super::data_protection::start(&mut out, ctx, now, Actor::System, &why);
        }
    }
    out.finish()
}

/// The policy limits how long after the events a complaint may be raised
/// (`[records] raise_within`) and the text says they may be older: the
/// handler decides (`#accept-late` or `#refuse out-of-time`), recorded either way.
fn flag_if_late(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, text: &str) {
    let Some(limit) = ctx.policy.records.raise_within else {
        return;
    };
    let today = ctx.calendar.to_local(now).date();
    let Some(evidence) = crate::core::late::older_than(text, today, limit.0) else {
        return;
    };
    out.audit(
        Actor::System,
        "may be late",
        format!("the complaint says {evidence:?}: its events may be older than {limit}; waiting for the handler's decision"),
        None,
    );
    out.case.records.late = Some(crate::core::case::records::Late {
        evidence: evidence.clone(),
        limit: limit.to_string(),
        decision: None,
    });
    out.send(with_vars(
        mail(TemplateId::LateComplaint, vec![Recipient::Handler]),
        |v| {
            v.cue = Some(evidence);
            v.within = Some(limit.to_string());
        },
    ));
}

/// A message that may be a complaint: a neutral acknowledgement with the
/// reference and the date a complaint would be answered by (the first
/// stage's response deadline, counted from receipt), the handler asked to
/// confirm the kind by the policy's time, and flag cues alerted at once as
/// possible concerns.
fn start_triage(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reasons: &[String]) {
    out.case.state = State::Triage;
    out.case.handler = choose_handler(&out.case, ctx);
    if let Some(limit) = ctx.policy.stage(0).and_then(|s| s.respond) {
        // Counted from receipt whatever the stage's anchor: the neutral
        // acknowledgement goes out now, so both anchors give the same date.
        let due = ctx
            .calendar
            .deadline(out.case.stage_received_at, limit.within);
        for w in due.warnings {
            out.audit(Actor::System, "calendar warning", w, None);
        }
        out.set_deadline(DeadlineKind::Respond, out.case.stage_received_at, due.at);
    }
    let confirm = ctx.calendar.deadline(now, ctx.policy.triage.confirm_within);
    out.set_deadline(DeadlineKind::ConfirmKind, now, confirm.at);
    let ack = mail(
        TemplateId::TriageAcknowledgement,
        vec![Recipient::Complainant],
    );
    out.send(OutMail {
        in_reply_to: out.case.last_inbound_id.clone(),
        ..ack
    });
    out.acknowledged(now);
    out.send(with_vars(
        mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
        |v| {
            v.stage = Some("TRIAGE, it may be a complaint".into());
            v.confirm_by = Some(confirm.at);
        },
    ));
    // The record is in the working language.
    let by = ctx
        .calendar
        .to_local(confirm.at)
        .format("%A %-d %B %Y, %H:%M")
        .to_string();
    out.audit(
        Actor::System,
        "triage",
        format!(
            "unsure whether a complaint (best guess {}): acknowledged neutrally, the response clock runs from receipt, the handler confirms the kind by {by}",
            out.case.kind
        ),
        None,
    );
    flag_alerts_with_cues(out, ctx, reasons);
}

/// The opening path for the case's kind (also used after reclassification,
/// with no `reasons`: the classifier's cues are quoted in flag alerts).
pub(super) fn start_kind(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reasons: &[String]) {
    let reply_to = out.case.last_inbound_id.clone();
    match out.case.kind {
        Kind::AutoReply | Kind::Bounce | Kind::Bulk => {
            out.case.state = State::Closed;
            out.case.closed_at = Some(now);
            out.audit(
                Actor::System,
                "ignored",
                "machine mail: no case action, never answered",
                None,
            );
        }
        Kind::Other => {
            // An enquiry: the stage-1 handler answers it; no acknowledgement,
            // because spam and phishing land here too and must not be answered.
            out.case.state = State::Open;
            out.case.handler = choose_handler(&out.case, ctx);
            out.send(with_vars(
                mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                |v| v.stage = Some("Enquiry".into()),
            ));
            // Safeguarding is flagged whatever the kind: an enquiry that
            // carries a cue alerts the named roles at once, as a possible
            // concern.
            flag_alerts_with_cues(out, ctx, reasons);
        }
        Kind::Compliment | Kind::Comment => thank(out, ctx, now, reply_to),
        Kind::Complaint => start_complaint(out, ctx, now, reply_to, false),
    }
}

/// A compliment or comment: thanked, the policy's roles told, and closed,
/// or held for permission to share it (ten working days, then closed).
fn thank(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reply_to: Option<String>) {
    let (template, feedback) = if out.case.kind == Kind::Compliment {
        (TemplateId::ComplimentThanks, &ctx.policy.compliments)
    } else {
        (TemplateId::CommentThanks, &ctx.policy.comments)
    };
    out.case.handler = choose_handler(&out.case, ctx);
    let thanks = with_vars(mail(template, vec![Recipient::Complainant]), |v| {
        v.ask_permission = feedback.ask_permission_to_share
    });
    out.send(OutMail {
        in_reply_to: reply_to,
        ..thanks
    });
    if !feedback.notify.is_empty() {
        out.send(mail(TemplateId::NewCaseNotice, roles(&feedback.notify)));
    }
    if feedback.ask_permission_to_share {
        out.case.state = State::AwaitingPermission;
        let due = ctx.calendar.deadline(now, Span::WorkingDays(10));
        out.set_deadline(DeadlineKind::Permission, now, due.at);
        out.audit(
            Actor::System,
            "permission asked",
            "asked permission to share",
            None,
        );
    } else {
        close(out, now, "thanked; nothing more to do");
    }
    flag_alerts(out, ctx);
}

/// Alert at once every role a routing rule names for the case's flags.
fn flag_alerts(out: &mut Out, ctx: &Ctx<'_>) {
    flag_alerts_with_cues(out, ctx, &[]);
}

/// [`flag_alerts`], naming the cue the classifier found for each flag (from
/// its reasons, `flag NAME: why ("cue")`). In triage, or on a case not taken
/// for a complaint (a cue in an enquiry), the alert says "possible …
/// concern": nobody has confirmed it yet, and it is not waited on.
fn flag_alerts_with_cues(out: &mut Out, ctx: &Ctx<'_>, reasons: &[String]) {
    let flags = out.case.flags.clone();
    let triage = out.case.state == State::Triage;
    let possible = triage || out.case.kind != Kind::Complaint;
    for r in ctx.policy.routes_for(&flags) {
        // Praise or an enquiry that says who writes or whose teaching it
        // is about (a parent, a partner college) is recorded with the flag;
        // only a hazard in it is worth an alert ("possible … concern").
        if !triage && out.case.kind != Kind::Complaint && !r.flag.is_hazard() {
            continue;
        }
        if !r.notify.is_empty() {
            let prefix = format!("flag {}:", r.flag);
            let cue = reasons
                .iter()
                .find_map(|x| x.strip_prefix(&prefix))
                .map(|x| x.trim().to_string())
                .unwrap_or_default();
            // The cue only when there is something to say, so an ordinary
            // alert's data stays as it was.
            let m = with_vars(mail(TemplateId::FlagAlert, roles(&r.notify)), |v| {
                v.flag = Some(r.flag.as_str().into());
                v.possible = possible;
                v.cue = (!cue.is_empty()).then(|| cue.clone());
            });
            out.send(m);
            out.audit(
                Actor::System,
                "alerted",
                format!(
                    "{}{} alert sent at once to {}{}",
                    if possible { "possible " } else { "" },
                    r.flag,
                    r.notify.join(", "),
                    if cue.is_empty() {
                        String::new()
                    } else {
                        format!(": {cue}")
                    }
                ),
                None,
            );
        }
    }
}

/// A new complaint: everyone the procedure and the flags name is told, then
/// it is redirected (an assessment dispute), held (anonymous, or on behalf of
/// a learner without consent) or begins its first stage. A complaint
/// confirmed from triage was `already_alerted` for its flags when it opened:
/// the roles are not alerted twice for one message.
pub(super) fn start_complaint(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    reply_to: Option<String>,
    already_alerted: bool,
) {
    let policy = ctx.policy;
    if !policy.procedure.notify_on_new_complaint.is_empty() {
        out.send(mail(
            TemplateId::NewCaseNotice,
            roles(&policy.procedure.notify_on_new_complaint),
        ));
    }
    if !already_alerted {
        flag_alerts(out, ctx);
    }
    let flags = &out.case.flags;
    let urgent = policy.is_urgent(flags);
    let appeal = flags.contains(&Flag::AssessmentAppeal) && policy.assessment_appeals.redirect;
    let anonymous = flags.contains(&Flag::Anonymous);
    let on_behalf = flags.contains(&Flag::OnBehalf) && policy.consent.required_for_on_behalf;

    if appeal {
        return redirect_to_appeals(out, ctx, now, reply_to);
    }
    if anonymous {
        if let Some(role) = &policy.anonymous.decided_by {
            return hold_for_decision(out, ctx, now, reply_to, role);
        }
    }
    if on_behalf {
        out.case.consent = ConsentStatus::Awaiting;
        // Safeguarding never waits: the investigation starts and consent is
        // asked for in parallel.
        if !urgent {
            return await_consent(out, ctx, now, reply_to);
        }
        ask_consent_in_parallel(out);
    }
    begin_stage(out, ctx, now, reply_to);
}

/// An assessment dispute goes to the appeals procedure; a handler can still
/// `#proceed` to treat it as a complaint.
fn redirect_to_appeals(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reply_to: Option<String>) {
    let policy = ctx.policy;
    out.case.state = State::Redirected;
    out.case.handler = choose_handler(&out.case, ctx);
    let mut m = mail(TemplateId::AppealsRedirect, vec![Recipient::Complainant]);
    m.in_reply_to = reply_to;
    m.contacts = vec![Contact {
        name: policy
            .assessment_appeals
            .procedure_name
            .clone()
            .unwrap_or_else(|| "Appeals procedure".into()),
        email: policy.assessment_appeals.contact.clone(),
        phone: None,
        address: None,
        url: None,
    }];
    out.send(m);
    out.send(with_vars(
        mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
        |v| v.stage = Some("Redirected to the appeals procedure".into()),
    ));
    out.audit(
        Actor::System,
        "redirected",
        "disputes an assessment decision: redirected to the appeals procedure (a handler can #proceed to treat it as a complaint)",
        None,
    );
    out.case.closed_at = Some(now);
}

/// An anonymous complaint waits for `role` to decide whether to act; urgent
/// flags give them one working day.
fn hold_for_decision(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    reply_to: Option<String>,
    role: &str,
) {
    let is_urgent = ctx.policy.is_urgent(&out.case.flags);
    out.case.state = State::AwaitingDecision;
    out.case.handler = choose_handler(&out.case, ctx);
    let m = with_vars(
        mail(
            TemplateId::AnonymousDecisionRequest,
            vec![Recipient::Role(role.to_string())],
        ),
        |v| v.urgent = is_urgent,
    );
    out.send(m);
    let ack = with_vars(
        mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]),
        |v| v.anonymous = true,
    );
    out.send(OutMail {
        in_reply_to: reply_to,
        ..ack
    });
    out.acknowledged(now);
    if is_urgent {
        let due = ctx.calendar.deadline(now, Span::WorkingDays(1));
        out.set_deadline(DeadlineKind::Decision, now, due.at);
    }
    out.audit(
        Actor::System,
        "held for decision",
        format!(
            "anonymous: {role} decide whether to act{}",
            if is_urgent { " (urgent)" } else { "" }
        ),
        None,
    );
}

/// On behalf of a learner: acknowledged, and nothing more happens (the
/// response clock does not run) until the learner's written consent.
fn await_consent(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reply_to: Option<String>) {
    let policy = ctx.policy;
    out.case.state = State::AwaitingConsent;
    out.case.handler = choose_handler(&out.case, ctx);
    let ack = mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]);
    out.send(OutMail {
        in_reply_to: reply_to.clone(),
        ..ack
    });
    out.acknowledged(now);
    out.send(mail(
        TemplateId::ConsentRequest,
        vec![Recipient::Complainant],
    ));
    out.send(with_vars(
        mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
        |v| v.stage = Some("Awaiting the learner's consent".into()),
    ));
    if !policy.consent.notify.is_empty() {
        out.send(mail(
            TemplateId::NewCaseNotice,
            roles(&policy.consent.notify),
        ));
    }
    out.audit(
        Actor::System,
        "awaiting consent",
        "on behalf of a learner: no investigation until the learner's written consent (the response clock is stopped)",
        None,
    );
}

/// On behalf of a learner, but urgent: consent is asked for while the stage
/// begins.
fn ask_consent_in_parallel(out: &mut Out) {
    out.send(mail(
        TemplateId::ConsentRequest,
        vec![Recipient::Complainant],
    ));
    out.audit(
        Actor::System,
        "consent asked",
        "consent requested; safeguarding proceeds without waiting",
        None,
    );
}
