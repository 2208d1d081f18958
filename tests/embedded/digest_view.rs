//! The daily digest looked at (issue 17): the demo's digests rendered in
//! headless Chromium as a reading pane, a phone and a client that blocks
//! images, each checked for errors, the chart loaded and nothing
//! overflowing, with screenshots kept. `UPDATE_SCREENSHOTS=1` also writes
//! the README's screenshot, `docs/digest.png`.

use crate::browser::{demo_pages, render, shots, View};
use chrono::Datelike;
use std::path::Path;

#[tokio::test]
async fn the_demos_digest_renders_cleanly_with_its_chart_in_a_pane_a_phone_and_with_images_blocked()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = demo_pages(&dir.path().join("demo"), "digest (HTML)");
    assert_eq!(pages.len(), 2, "one digest per provider");
    for page in &pages {
        let html = std::fs::read_to_string(page).expect("digest html");
        // A mail's HTML: no scripts, no external resources.
        for banned in ["<script", "http://", "https://", "<link", "@import"] {
            let hits: Vec<_> = html
                .match_indices(banned)
                .map(|(i, _)| &html[i.saturating_sub(40)..(i + 60).min(html.len())])
                .filter(|ctx| !ctx.contains("w3.org"))
                .collect();
            assert!(hits.is_empty(), "{banned} in {}: {hits:?}", page.display());
        }
        let provider = page
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .expect("provider folder")
            .to_string();

        let pane = render(
            page,
            &shots().join(format!("digest-{provider}.png")),
            View::default(),
        )
        .await;
        pane.assert_clean();
        assert_eq!(pane.images.len(), 1, "one chart");
        assert!(pane.images[0].natural_width >= 400, "{:?}", pane.images);
        assert!(
            pane.images[0].alt.starts_with("Cases received per week"),
            "{:?}",
            pane.images[0].alt
        );
        for part in [
            "Needs action today",
            "Breached",
            "Due within 2 working days",
            "Awaiting consent, a decision or lessons learnt",
            "This month so far",
            "Acknowledged on time",
            "Responded to on time",
            "Complaints open now",
            "Outcomes sent",
            "Remedies outstanding",
            "New in the last 24 hours",
            "Open complaints by stage",
            "Closed in the last 24 hours",
            "Compliments cleared to share",
        ] {
            assert!(
                pane.text.contains(part),
                "{provider}'s digest shows no {part:?}:\n{}",
                pane.text
            );
        }

        let phone = render(
            page,
            &shots().join(format!("digest-{provider}-phone.png")),
            View {
                width: 380,
                images: true,
            },
        )
        .await;
        phone.assert_clean();

        // Images blocked: the chart's figures are still there in words.
        let blocked = render(
            page,
            &shots().join(format!("digest-{provider}-no-images.png")),
            View {
                images: false,
                ..View::default()
            },
        )
        .await;
        assert!(blocked.errors.is_empty(), "{:?}", blocked.errors);
        assert!(blocked.overflows.is_empty(), "{:?}", blocked.overflows);
        assert!(
            blocked
                .text
                .contains("responses sent on time, 12 weeks: week of"),
            "{}",
            blocked.text
        );

        if provider == "provider-b" && std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/digest.png");
            std::fs::copy(&pane.screenshot, docs).expect("copy screenshot to docs/");
        }
    }
}

/// The digest as it is queued: text | related(HTML, chart PNG), the HTML
/// showing the chart by the Content-ID the image part carries, with alt
/// text; and the month's figures are the store's period figures for the
/// same days (what `complaintd report` prints), not counted again.
#[tokio::test]
async fn the_digest_mail_carries_its_chart_inline_and_the_figures_the_report_counts() {
    use crate::harness::{message, TestApp};
    use chrono::Duration;
    use complaintd::core::report::Period;
    use mail_parser::{MessageParser, MimeHeaders, PartType};

    let mut app = TestApp::spawn("provider-b", "2026-11-23T07:00:00Z").await;
    for (i, who) in ["Jo <jo@mail.test>", "Sam <sam@mail.test>"]
        .iter()
        .enumerate()
    {
        app.deliver(&message(
            who,
            "Fee",
            "I was charged twice and want a refund and an explanation.",
            &format!("fig{i}@mail.test"),
        ))
        .await;
    }
    app.advance(Duration::hours(1) + Duration::minutes(5));
    assert!(app.tick().await.digest_sent);
    let row = app
        .last("daily_digest", "ben.carter@provider-b.example.test")
        .await;
    let m = MessageParser::default()
        .parse(&row.raw[..])
        .expect("parse the digest");
    let ct = |i: usize| {
        m.parts[i]
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default()
    };
    let types: Vec<String> = (0..m.parts.len()).map(ct).collect();
    assert_eq!(
        types,
        [
            "multipart/alternative",
            "text/plain",
            "multipart/related",
            "text/html",
            "image/png"
        ],
        "the digest's MIME structure"
    );
    let html = match &m.parts[3].body {
        PartType::Html(h) => h.to_string(),
        other => panic!("part 3 is {other:?}"),
    };
    let image = &m.parts[4];
    let cid = image.content_id().expect("the chart has a Content-ID");
    assert!(
        html.contains(&format!("src=\"cid:{cid}\"")),
        "the HTML does not show cid:{cid}"
    );
    assert!(
        image.contents().starts_with(b"\x89PNG"),
        "the chart is not a PNG"
    );
    assert!(html.contains("alt=\"Cases received per week"));
    assert!(!html.contains("<script"));

    // The figures: the store's for 1-23 November, as the report counts them.
    let today = app.app.calendar.to_local(app.now).date();
    let period = Period {
        from: today.with_day(1).expect("first"),
        to: today.succ_opt().expect("next day"),
    };
    let f = app
        .app
        .store
        .figures(period, &app.app.calendar, app.now)
        .await
        .expect("figures");
    assert_eq!(f.received.total, 2);
    let d = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let month = d.month.expect("month figures");
    let received = month
        .rows
        .iter()
        .find(|r| r.label == "Received")
        .expect("received row");
    assert_eq!(received.current, f.received.total.to_string());
    let open = month
        .rows
        .iter()
        .find(|r| r.label == "Complaints open now")
        .expect("open row");
    let open_now: u64 = f.open_by_stage.iter().map(|c| c.n).sum();
    assert_eq!(open.current, open_now.to_string());
    let text = match &m.parts[1].body {
        PartType::Text(t) => t.to_string(),
        other => panic!("part 1 is {other:?}"),
    };
    assert!(text.contains("NEEDS ACTION TODAY"), "{text}");
    assert!(text.contains(&month.title), "{text}");
    assert!(text.contains("The last 12 weeks"), "{text}");
    assert!(text.contains("week of 23 Nov  2 received"), "{text}");
}
