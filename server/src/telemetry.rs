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
    use actix_web::http::Method;
    use actix_web::middleware::Next;
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
    use std::cell::RefCell;
    use std::sync::{LazyLock, OnceLock};
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

    // The counters a hot path counts, looked up once: a look-up by name
    // builds the key and searches the registry at every call. The recorder
    // is installed before any request (`AppState` calls [`handle`]); a
    // handle taken before it would count nowhere.

    /// Tiles answered from the cache.
    pub static TILE_CACHE_HITS: LazyLock<metrics::Counter> =
        LazyLock::new(|| metrics::counter!("lookout_tile_cache_hits_total"));
    /// Tiles rendered.
    pub static TILE_RENDERS: LazyLock<metrics::Counter> =
        LazyLock::new(|| metrics::counter!("lookout_tile_renders_total"));
    /// How long a tile took to render, seconds.
    pub static TILE_RENDER_SECONDS: LazyLock<metrics::Histogram> =
        LazyLock::new(|| metrics::histogram!("lookout_tile_render_seconds"));

    /// Counts every request and times it, by method, route pattern (not the
    /// raw path: `/tiles/{layers}/{z}/{x}/{y}`) and status.
    pub async fn measure(
        req: ServiceRequest,
        next: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        let started = Instant::now();
        let method = req.method().clone();
        let res = next.call(req).await?;
        let route = res.request().match_pattern();
        let seconds = started.elapsed().as_secs_f64();
        RouteHandles::record(
            &method,
            route.as_deref().unwrap_or("unmatched"),
            res.status().as_u16(),
            seconds,
        );
        Ok(res)
    }

    /// The request counter and the duration histogram of one method, route
    /// pattern and status. Each thread looks them up in the recorder once,
    /// not per request: building the labelled key and finding it in the
    /// registry cost about as much as the rest of [`measure`] (perf, a
    /// cold road tile).
    struct RouteHandles {
        requests: metrics::Counter,
        duration: metrics::Histogram,
    }

    /// What the handles are kept by. The table is as large as the number of
    /// (method, route, status) answered, which the route table bounds.
    #[derive(Hash, PartialEq, Eq)]
    struct RouteKey {
        method: Method,
        route: String,
        status: u16,
    }

    /// A [`RouteKey`] looked up without building one: same fields, same
    /// order, so the same hash.
    #[derive(Hash)]
    struct RouteQuery<'a> {
        method: &'a Method,
        route: &'a str,
        status: u16,
    }

    impl hashbrown::Equivalent<RouteKey> for RouteQuery<'_> {
        fn equivalent(&self, key: &RouteKey) -> bool {
            *self.method == key.method && self.route == key.route && self.status == key.status
        }
    }

    type HandleTable = hashbrown::HashMap<RouteKey, RouteHandles, std::hash::RandomState>;

    thread_local! {
        static HANDLES: RefCell<HandleTable> = RefCell::new(HandleTable::with_hasher(Default::default()));
    }

    impl RouteHandles {
        /// Counts one request of `seconds`.
        fn record(method: &Method, route: &str, status: u16, seconds: f64) {
            let query = RouteQuery { method, route, status };
            HANDLES.with_borrow_mut(|table| {
                if let Some(handles) = table.get(&query) {
                    handles.count(seconds);
                    return;
                }
                let labels = [
                    ("method", method.as_str().to_owned()),
                    ("route", route.to_owned()),
                    ("status", status.to_string()),
                ];
                let handles = Self {
                    requests: metrics::counter!("lookout_http_requests_total", &labels),
                    duration: metrics::histogram!("lookout_http_request_duration_seconds", &labels),
                };
                let key = RouteKey {
                    method: method.clone(),
                    route: route.to_owned(),
                    status,
                };
                handles.count(seconds);
                table.insert(key, handles);
            })
        }

        fn count(&self, seconds: f64) {
            self.requests.increment(1);
            self.duration.record(seconds);
        }
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
