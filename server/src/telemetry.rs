//! Logging with `tracing`: `RUST_LOG` wins; otherwise info, or debug with `-v`.
//! Lines reach stderr through a writer thread ([`init`]), and every request
//! is one line of the access log ([`access_log`]).

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Starts the log subscriber. Lines are formatted on the thread that logs
/// and written to stderr by a writer thread, which writes what is queued
/// and then flushes: one `write` for many lines when they come fast (a
/// request's line cost a `write` on the server's thread: a tenth of
/// a cheap request's time, by perf). None is dropped: a full queue (128 Ki
/// lines) makes the logging thread wait. Keep the guard until the process
/// ends: dropping it writes out what is queued.
pub fn init(verbose: bool) -> WorkerGuard {
    let default = if verbose {
        "debug,actix_server=info,tokio_postgres=info"
    } else {
        "info,tokio_postgres=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("lookout-log")
        .finish(std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colours only on a terminal: log files and pipes get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    guard
}

/// The access log, target `lookout::http`: one line per request, as
/// `peer "METHOD /path?query HTTP/1.1" status bytes milliseconds` (bytes
/// `-` for a streamed body). Written straight as a `tracing` event: no
/// `log` bridge, no format template parsed per request.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !tracing::enabled!(target: "lookout::http", tracing::Level::INFO) {
        return next.call(req).await;
    }
    let started = Instant::now();
    let peer = req.peer_addr();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let version = req.version();
    let res = next.call(req).await;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let peer = Peer(peer);
    match &res {
        Ok(res) => {
            let status = res.status().as_u16();
            match res.response().body().size() {
                BodySize::Sized(bytes) => {
                    tracing::info!(target: "lookout::http", "{peer} \"{method} {uri} {version:?}\" {status} {bytes} {ms:.3}ms")
                }
                _ => {
                    tracing::info!(target: "lookout::http", "{peer} \"{method} {uri} {version:?}\" {status} - {ms:.3}ms")
                }
            }
        }
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            tracing::info!(target: "lookout::http", "{peer} \"{method} {uri} {version:?}\" {status} - {ms:.3}ms")
        }
    }
    res
}

/// A peer address, or `-` (a test request has none).
struct Peer(Option<std::net::SocketAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(a) => write!(f, "{}", a.ip()),
            None => f.write_str("-"),
        }
    }
}

/// Metrics (`metrics` facade, Prometheus exposition): the recorder, the
/// HTTP middleware, and the gauges read from the state at each scrape.
/// Names and labels are listed in docs/operations.md.
pub mod prometheus {
    use crate::state::AppState;
    use actix_web::body::MessageBody;
    use actix_web::dev::{ServiceRequest, ServiceResponse};
    use actix_web::middleware::Next;
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
    use std::sync::OnceLock;
    use std::time::Instant;

    /// Latency buckets, seconds: from a cached tile (<1 ms) to a slow import-sized write.
    const BUCKETS: [f64; 14] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ];

    /// The process's recorder, installed on first use (one per process: the
    /// `metrics` facade is global).
    pub fn handle() -> &'static PrometheusHandle {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        HANDLE.get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .map(PrometheusBuilder::build_recorder);
            match recorder {
                Ok(recorder) => {
                    let handle = recorder.handle();
                    if metrics::set_global_recorder(recorder).is_err() {
                        tracing::warn!("a metrics recorder was installed already; /metrics shows only its own");
                    }
                    handle
                }
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            }
        })
    }

    /// Counts every request and times it, by method, route pattern (not the
    /// raw path: `/tiles/{layers}/{z}/{x}/{y}`) and status.
    pub async fn measure(
        req: ServiceRequest,
        next: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        let started = Instant::now();
        let method = req.method().as_str().to_owned();
        let res = next.call(req).await?;
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        let labels = [
            ("method", method),
            ("route", route),
            ("status", res.status().as_u16().to_string()),
        ];
        metrics::counter!("lookout_http_requests_total", &labels).increment(1);
        metrics::histogram!("lookout_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
        Ok(res)
    }

    /// Sets the gauges that are read from the state, then renders every
    /// metric in the Prometheus text format.
    pub fn render(state: &AppState) -> String {
        let handle = handle();
        let store = &state.store;
        metrics::gauge!("lookout_store_last_event").set(store.last_seq() as f64);
        if let Some(bytes) = store.journal_bytes() {
            metrics::gauge!("lookout_journal_bytes").set(bytes as f64);
        }
        if let Some(follower) = store.follower() {
            metrics::gauge!("lookout_follower_listening").set(if follower.listening() { 1.0 } else { 0.0 });
        }
        let cache = state.tiles.cache.stats();
        metrics::gauge!("lookout_tile_cache_tiles").set(cache.tiles as f64);
        metrics::gauge!("lookout_tile_cache_bytes").set(cache.bytes as f64);
        metrics::counter!("lookout_tile_cache_evictions_total").absolute(cache.evicted);
        let readings = state.readings.counts();
        metrics::counter!("lookout_readings_accepted_total").absolute(readings.accepted);
        for (reason, n) in &readings.rejected {
            metrics::counter!("lookout_readings_rejected_total", "reason" => *reason).absolute(*n);
        }
        metrics::gauge!("lookout_sensors_reporting").set(readings.sensors_reporting as f64);
        let ops = store.operations();
        let mut active = std::collections::BTreeMap::<&str, u64>::new();
        let mut raised = 0u64;
        for alarm in ops.alarms() {
            raised += 1;
            if alarm.is_active() {
                *active.entry(alarm.colour.code()).or_default() += 1;
            }
        }
        drop(ops);
        metrics::counter!("lookout_alarms_raised_total").absolute(raised);
        for colour in ["blue", "yellow", "orange", "red"] {
            let n = active.get(colour).copied().unwrap_or(0);
            metrics::gauge!("lookout_alarms_active", "colour" => colour).set(n as f64);
        }
        handle.run_upkeep();
        handle.render()
    }
}
