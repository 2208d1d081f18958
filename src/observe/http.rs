//! The observation listener: `GET /metrics`, `GET /healthz` (ready and live),
//! `GET /healthz/ready`, `GET /healthz/live`, over plain HTTP/1.1 on the
//! address of `[observe] listen` (loopback unless explicitly allowed: the
//! figures say how much mail an organisation gets, and there is no sign-in).
//!
//! hyper 1 with hyper-util's tokio glue: already in the tree through reqwest,
//! and a handful of fixed routes needs no framework.

use crate::app::App;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// How long a readiness probe may wait for the database.
const STORE_PROBE: Duration = Duration::from_secs(2);

/// The content type of the text exposition format prometheus-client writes.
const METRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Whether the daemon is ready, and if not why.
pub async fn ready(app: &App) -> Result<(), String> {
    match tokio::time::timeout(STORE_PROBE, app.store.schema_current()).await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err("the database's migrations are not all applied".into()),
        Ok(Err(e)) => Err(format!("the database cannot be read: {e}")),
        Err(_) => Err(format!(
            "the database did not answer within {} s",
            STORE_PROBE.as_secs()
        )),
    }
}

/// Whether the run loop has made a pass recently enough, and if not why.
/// Before its first pass the daemon counts as live for one period.
pub fn live(app: &App) -> Result<(), String> {
    let within = Duration::from_secs(app.loaded.config.observe.live_within_seconds);
    match app.metrics.since_last_pass() {
        Some(ago) if ago <= within => Ok(()),
        Some(ago) => Err(format!(
            "the run loop's last pass was {} s ago (limit {} s)",
            ago.as_secs(),
            within.as_secs()
        )),
        None if app.metrics.uptime() <= within => Ok(()),
        None => Err(format!(
            "the run loop has made no pass in {} s",
            app.metrics.uptime().as_secs()
        )),
    }
}

fn text(status: StatusCode, body: String, kind: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(kind) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn verdict(checks: &[(&str, Result<(), String>)]) -> Response<Full<Bytes>> {
    let mut body = String::new();
    let mut ok = true;
    for (name, r) in checks {
        match r {
            Ok(()) => body.push_str(&format!("{name}: ok\n")),
            Err(e) => {
                ok = false;
                body.push_str(&format!("{name}: FAILING: {e}\n"));
            }
        }
    }
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    text(status, body, "text/plain; charset=utf-8")
}

async fn route(app: &App, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET\n".into(),
            "text/plain; charset=utf-8",
        );
    }
    match req.uri().path() {
        "/metrics" => text(StatusCode::OK, app.metrics.encode(), METRICS_TYPE),
        "/healthz" => verdict(&[("ready", ready(app).await), ("live", live(app))]),
        "/healthz/ready" => verdict(&[("ready", ready(app).await)]),
        "/healthz/live" => verdict(&[("live", live(app))]),
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: /metrics, /healthz, /healthz/ready, /healthz/live\n".into(),
            "text/plain; charset=utf-8",
        ),
    }
}

/// Answer on `listener` (bound by the caller, so a taken port stops the
/// start) until `stop`; each connection on its own task.
pub async fn serve(app: Arc<App>, listener: TcpListener, stop: CancellationToken) {
    if let Ok(a) = listener.local_addr() {
        info!(address = %a, "serving /healthz and /metrics");
    }
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: keep serving.
                    warn!(error = %e, "observe listener: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.cancelled() => return,
        };
        let app = app.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let app = app.clone();
                async move { Ok::<_, std::convert::Infallible>(route(&app, &req).await) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => if let Err(e) = r {
                    debug!(%peer, error = %e, "observe connection ended");
                },
                // Stopping: the connection is dropped with the process.
                _ = stop.cancelled() => {}
            }
        });
    }
}
