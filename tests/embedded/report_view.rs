//! The performance report looked at (issue 17 item 4): the demo's report
//! for its simulated weeks rendered in headless Chromium on a screen and at
//! the width of an A4 page (what printing it to PDF gives), checked for errors, every chart loaded and nothing
//! overflowing, with screenshots kept. `UPDATE_SCREENSHOTS=1` also writes
//! the README's screenshot, `docs/report.png`.

use crate::browser::{demo_pages, render, shots, View};
use std::path::Path;

#[tokio::test]
async fn the_demos_report_renders_cleanly_with_every_chart_on_a_screen_and_at_a4_width() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = demo_pages(&dir.path().join("demo"), "report (HTML)");
    assert_eq!(pages.len(), 2, "one report per provider");
    for page in &pages {
        let html = std::fs::read_to_string(page).expect("report html");
        for banned in ["<script", "src=\"http", "<link", "@import"] {
            assert!(!html.contains(banned), "{banned} in {}", page.display());
        }
        let provider = page
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .expect("provider folder")
            .to_string();
        let screen = render(
            page,
            &shots().join(format!("report-{provider}.png")),
            View {
                width: 1100,
                images: true,
            },
        )
        .await;
        screen.assert_clean();
        assert_eq!(
            screen.images.len(),
            9,
            "a chart for each section: the trend, kinds, days taken, extensions, outcomes, \
             remedies and refusals, the survey, lessons by quarter, complaints by quarter"
        );
        for i in &screen.images {
            assert!(i.natural_width >= 500, "{i:?}");
            assert!(!i.alt.is_empty(), "{i:?}");
        }
        for part in [
            "complaints performance report",
            "The trend",
            "Complaints and other cases received",
            "Timeliness",
            "Extensions",
            "Outcomes",
            "Remedies, refusals and referrals",
            "Satisfaction with the handling",
            "Lessons learnt",
            "By quarter",
            "Cases received per week and responses sent on time",
        ] {
            assert!(
                screen.text.contains(part),
                "{provider}'s report shows no {part:?}:\n{}",
                screen.text
            );
        }
        // A4 portrait at 96 dpi is 794 px wide.
        let a4 = render(
            page,
            &shots().join(format!("report-{provider}-a4.png")),
            View {
                width: 794,
                images: true,
            },
        )
        .await;
        a4.assert_clean();
        if provider == "provider-b" && std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.png");
            std::fs::copy(&screen.screenshot, docs).expect("copy screenshot to docs/");
        }
    }
}
