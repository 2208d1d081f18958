//! The daily digest looked at (issue 17): the demo's digests rendered in
//! headless Chromium as a reading pane, a phone and a client that blocks
//! images, each checked for errors, the chart loaded and nothing
//! overflowing, with screenshots kept. `UPDATE_SCREENSHOTS=1` also writes
//! the README's screenshot, `docs/digest.png`.

use crate::browser::{render, View};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run the demo into `dir` and return the digest HTML files it names.
fn demo_digests(dir: &Path) -> Vec<PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["demo", "--dir"])
        .arg(dir)
        .output()
        .expect("run demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("digest (HTML)"))
        .map(|p| PathBuf::from(p.trim()))
        .collect()
}

/// Where this run's screenshots go (kept after the test, for looking at).
fn shots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

#[tokio::test]
async fn the_demos_digest_renders_cleanly_with_its_chart_in_a_pane_a_phone_and_with_images_blocked()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = demo_digests(&dir.path().join("demo"));
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
