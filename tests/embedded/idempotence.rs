//! Idempotence keys on content as well as Message-ID: a true repeat changes
//! nothing, a different message reusing a Message-ID is never dropped.

use crate::harness::*;
use complaintd::work::ingest::Ingested;

fn complaint(body: &str) -> Vec<u8> {
    message("Jo <jo@mail.test>", "Certificate", body, "reused@mail.test")
}

const FIRST: &str =
    "Still no certificate after four months. I am not happy and want to know when it will arrive.";
const SECOND: &str = "A different matter: my coach cancelled three sessions and nobody rebooked them. I want to complain.";

#[tokio::test]
async fn a_reused_message_id_with_different_content_is_processed() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    assert_eq!(
        app.deliver(&complaint(FIRST)).await,
        Ingested::Opened("PAR-2026-0001".into())
    );
    // The same message again, and the same message as another mailbox got
    // it (with its own trace fields): repeats, nothing changes.
    assert_eq!(app.deliver(&complaint(FIRST)).await, Ingested::Duplicate);
    let mut relayed = b"Delivered-To: info@provider.test\r\nReceived: from mx.mail.test\r\n\tby provider.test; Mon, 23 Nov 2026 09:00:01 +0000\r\n".to_vec();
    relayed.extend_from_slice(&complaint(FIRST));
    assert_eq!(app.deliver(&relayed).await, Ingested::Duplicate);
    // A different message that reuses the Message-ID: stored and processed.
    assert_eq!(
        app.deliver(&complaint(SECOND)).await,
        Ingested::Opened("PAR-2026-0002".into())
    );
    // ... and idempotent itself.
    assert_eq!(app.deliver(&complaint(SECOND)).await, Ingested::Duplicate);
    assert_eq!(app.app.store.message_count().await.expect("db"), 2);
    let cases = app.app.store.list_cases(None).await.expect("db");
    assert_eq!(cases.len(), 2);
    app.send().await;
    assert_eq!(
        app.sent_to("jo@mail.test").await.len(),
        2,
        "each message acknowledged once"
    );
}
