//! Logging with `tracing`: `RUST_LOG` wins; otherwise info, or debug with `-v`.

use tracing_subscriber::EnvFilter;

/// Starts the log subscriber (to stderr).
pub fn init(verbose: bool) {
    let default = if verbose {
        "debug,actix_server=info,tokio_postgres=info"
    } else {
        "info,tokio_postgres=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: log files and pipes get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
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
