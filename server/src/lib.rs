#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod app;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod command;
pub mod config;
pub mod coverage;
pub mod edge;
pub mod error;
pub mod extract;
pub mod gas;
pub mod idempotency;
pub mod import;
pub mod limits;
pub mod maintenance;
pub mod mqtt;
pub mod paging;
pub mod progress;
pub mod roads;
pub mod routes;
pub mod scope;
pub mod simulate;
pub mod state;
pub mod telemetry;
pub mod tiling;
pub mod tls;
pub mod view;

use anyhow::Context;
use cli::{Cli, Command, DataCommand, DbCommand};
use lookout_layers::generate::Progress;
use lookout_layers::store::postgis::Postgis;
use lookout_layers::store::{EmbeddedOptions, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    cli::set_home(cli.home);
    match cli.command {
        Command::Serve(args) => {
            telemetry::prometheus::handle();
            let settings = config::Settings::resolve(&args)?;
            serve_with(settings, args.dev_open)
        }
        Command::User { command } => auth::commands::user(command),
        Command::Token { command } => auth::commands::token(command),
        Command::Data {
            command: DataCommand::Generate(args),
        } => generate(args),
        Command::Db {
            command: DbCommand::Migrate(args),
        } => migrate(&args.store).map(drop),
        Command::Import(args) => import(args),
        Command::Export(args) => export(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Snapshot(at) => maintenance::snapshot(&at),
        Command::Backup { out, at } => maintenance::backup(&out, &at),
        Command::Restore { file, at } => maintenance::restore(&file, &at),
    }
}

fn migrate(url: &str) -> anyhow::Result<Postgis> {
    let db = Postgis::new(url)?;
    let applied = db
        .migrate()
        .with_context(|| format!("migrating {}", db.redacted_url()))?;
    if applied.is_empty() {
        tracing::info!(db = %db.redacted_url(), "schema is up to date");
    } else {
        tracing::info!(db = %db.redacted_url(), applied = ?applied, "migrations applied");
    }
    Ok(db)
}

/// The region `spec` names (an id or a folder; `None`: `LOOKOUT_REGION`, else the built-in Shanxi).
pub(crate) fn region(spec: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<lookout_layers::region::Region> {
    let from_env = std::env::var("LOOKOUT_REGION").ok();
    let spec = spec.or(from_env.as_deref());
    lookout_layers::region::Region::resolve(spec, data_dir).context("reading the region (--region, LOOKOUT_REGION)")
}

pub(crate) fn embedded_options(
    data_dir: &std::path::Path,
    state_dir: &std::path::Path,
    seed: u64,
    scale: u32,
    region: lookout_layers::region::Region,
) -> EmbeddedOptions {
    EmbeddedOptions {
        region,
        data_dir: data_dir.to_path_buf(),
        state_dir: state_dir.to_path_buf(),
        dataset: lookout_layers::generate::Options { seed, scale },
        snapshots: Default::default(),
        history: false,
    }
}

/// `lookout import --layer roads --from FILE.osm.pbf`: the region's road
/// network from OpenStreetMap, replacing the generated one (docs/roads.md).
/// The dataset's identity changes with it: the embedded store begins a new
/// journal epoch at its next start.
fn import_roads(args: &cli::ImportArgs, from: &std::path::Path) -> anyhow::Result<()> {
    let data_dir = cli::or_home(&args.data_dir, "data");
    let region = region(args.region.as_deref(), &data_dir)?;
    let started = std::time::Instant::now();
    let imported = lookout_layers::roads_osm::read_pbf(from)
        .with_context(|| format!("importing roads from {}", from.display()))?;
    let r = &imported.report;
    if imported.roads.is_empty() {
        anyhow::bail!(
            "{}: no drivable road network in it ({} highway ways, skipped: {:?}); nothing imported",
            from.display(),
            r.highway_ways,
            r.ways_skipped
        );
    }
    let dir = lookout_layers::roads_osm::imported_dir(&data_dir, &region.id);
    lookout_layers::roads_osm::save(&dir, &imported)?;
    for (reason, n) in &r.ways_skipped {
        tracing::info!(ways = n, reason = %reason, "ways left out");
    }
    for (reason, n) in &r.restrictions_skipped {
        tracing::info!(restrictions = n, reason = %reason, "turn restrictions left out");
    }
    tracing::info!(
        region = %region.id,
        into = %dir.display(),
        ways = r.ways_kept,
        edges = r.edges,
        oneway_edges = r.oneway_edges,
        junctions = r.junctions,
        length_km = r.length_km,
        components = r.components,
        edges_dropped = r.edges_dropped,
        junctions_dropped = r.junctions_dropped,
        restrictions = r.restrictions,
        restrictions_applied = r.restrictions_applied,
        restricted_junctions = r.restricted_junctions,
        sha256 = %r.sha256,
        seconds = started.elapsed().as_secs_f64(),
        "roads imported: the largest strongly connected network kept; the rest reported. Restart the server: a new journal epoch begins"
    );
    Ok(())
}

fn import(args: cli::ImportArgs) -> anyhow::Result<()> {
    match (args.layer.as_deref(), args.from.as_deref()) {
        (Some("roads"), Some(from)) => return import_roads(&args, from),
        (Some(_), _) => return import::register(&args),
        _ => {}
    }
    let Some(url) = args.store.as_deref().filter(|s| !s.is_empty()) else {
        anyhow::bail!(
            "`lookout import` without --layer copies the generated dataset into PostGIS: give --store postgres://… (or LOOKOUT_STORE); to import a register, give --layer, --from and --mapping; roads: --layer roads --from FILE.osm.pbf"
        );
    };
    let db = migrate(url)?;
    let data_dir = cli::or_home(&args.data_dir, "data");
    let options = embedded_options(
        &data_dir,
        &cli::home().join("state"),
        args.seed,
        args.scale,
        region(args.region.as_deref(), &data_dir)?,
    );
    let bars = progress::Bars::new();
    let (dataset, dir, ..) = lookout_layers::store::load_or_generate(&options, &bars)?;
    let report = db
        .import(&dataset, options.identity()?, &bars)
        .with_context(|| format!("importing {} into {}", dir.display(), db.redacted_url()))?;
    // The generated ledger history (unless `--no-history`), into a database without events only.
    let history = if !args.no_history {
        lookout_layers::generate::history::read(&dir)?
    } else {
        None
    };
    if let Some(records) = history {
        let catalog = lookout_layers::Catalog::new(dataset);
        let stored = lookout_layers::store::history::append_history_postgis(&db, &catalog, records)
            .with_context(|| format!("storing the generated ledger history in {}", db.redacted_url()))?;
        tracing::info!(
            events = stored,
            "generated ledger history stored (none when the database holds events already)"
        );
    }
    bars.finish();
    let total: usize = report.counts.iter().map(|(_, n)| n).sum();
    let counts: Vec<String> = report.counts.iter().map(|(id, n)| format!("{id} {n}")).collect();
    tracing::info!(
        db = %db.redacted_url(),
        features = total,
        seconds = report.elapsed.as_secs_f64(),
        features_per_s = (total as f64 / report.elapsed.as_secs_f64()).round(),
        "imported: {}",
        counts.join(", ")
    );
    Ok(())
}

fn export(args: cli::ExportArgs) -> anyhow::Result<()> {
    let bars = progress::Bars::new();
    let (dataset, identity) = match &args.store {
        Some(url) => {
            let db = Postgis::new(url)?;
            db.block_on(db.check_schema())?;
            let snapshot = db.load(&bars)?;
            (snapshot.dataset, snapshot.identity)
        }
        None => {
            let (data, state) = (
                cli::or_home(&args.data_dir, "data"),
                cli::or_home(&args.state_dir, "state"),
            );
            let options = embedded_options(&data, &state, args.seed, args.scale, region(None, &data)?);
            let (store, _) = Store::open_embedded(&options, &bars)?;
            (store.catalog().to_dataset(), options.identity()?)
        }
    };
    bars.stage("writing GeoJSON", 1);
    let options = lookout_layers::generate::Options {
        seed: identity.seed,
        scale: identity.scale,
    };
    dataset.save(&args.out, &lookout_layers::generate::metadata(&dataset, options))?;
    bars.finish();
    tracing::info!(out = %args.out.display(), "exported: {:?}", dataset.counts());
    Ok(())
}

fn generate(args: cli::GenerateArgs) -> anyhow::Result<()> {
    use lookout_layers::{dataset, generate};
    let options = generate::Options {
        seed: args.seed,
        scale: args.scale,
    };
    let data_dir = cli::or_home(&args.data_dir, "data");
    let region = region(args.region.as_deref(), &data_dir)?;
    let dir = dataset::generated_dir_in(&data_dir, &region.id, args.seed, args.scale);
    let current = dataset::read_metadata(&dir)
        .is_ok_and(|m| m.generator_version == generate::GENERATOR_VERSION && m.region == region.id);
    if current && !args.force {
        tracing::info!(dir = %dir.display(), "dataset exists already (use --force to write it again)");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let counties = generate::read_region_counties(&region, &data_dir)?;
    let bars = progress::Bars::new();
    let data = generate::generate_in(&region, &counties, options, &bars)?;
    bars.stage("writing dataset", 1);
    data.save(&dir, &generate::metadata_in(&region, &data, options))?;
    generate::history::generate_and_write(&dir, &data, options.seed)?;
    // Start-up decodes the binary cache instead of parsing the GeoJSON.
    if let Err(e) = lookout_layers::cache::write(&dir, &data) {
        tracing::warn!(dir = %dir.display(), error = %e, "the dataset cache could not be written; the first start writes it");
    }
    bars.finish();
    let counts: Vec<String> = data.counts().iter().map(|(id, n)| format!("{id} {n}")).collect();
    tracing::info!(dir = %dir.display(), seconds = started.elapsed().as_secs_f64(), "generated: {}", counts.join(", "));
    Ok(())
}

/// The process's resident memory in MB (Linux; 0 elsewhere), for the start-up log.
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn feature_count(store: &Store) -> usize {
    lookout_layers::Catalog::ids()
        .filter_map(|id| store.catalog().read(id).map(|c| c.len()))
        .sum()
}

/// Opens the store and serves HTTP until stopped (sign-in required).
pub fn serve(settings: config::Settings) -> anyhow::Result<()> {
    serve_with(settings, false)
}

/// Opens the store and serves HTTP until stopped; `dev_open`: without
/// sign-in, everyone admin (refused unless the address is loopback).
pub fn serve_with(settings: config::Settings, dev_open: bool) -> anyhow::Result<()> {
    if dev_open && !settings.bind.ip().is_loopback() {
        anyhow::bail!(
            "--dev-open runs without sign-in, so it listens on a loopback address only, not {}",
            settings.bind
        );
    }
    let started = std::time::Instant::now();
    let bars = progress::Bars::new();
    let mut epoch = None;
    let store = match &settings.store {
        Some(url) => {
            let (store, report) = Store::open_postgis(url, &bars).with_context(|| {
                format!(
                    "opening the PostGIS store {}",
                    lookout_layers::store::postgis::redact(url)
                )
            })?;
            bars.finish();
            tracing::info!(
                db = %lookout_layers::store::postgis::redact(url),
                seed = report.identity.seed,
                scale = report.identity.scale,
                load_s = report.load_time.as_secs_f64(),
                index_s = report.index_time.as_secs_f64(),
                last_event = report.last_seq,
                features = feature_count(&store),
                rss_mb = resident_mb(),
                "store open (PostGIS)"
            );
            store
        }
        None => {
            let mut options = embedded_options(
                &settings.data_dir,
                &settings.state_dir,
                settings.seed,
                settings.scale,
                (*settings.region).clone(),
            );
            let journal = options.journal_dir().join("journal.lkj");
            // Held while serving: `lookout user …` does not write to this journal meanwhile.
            let lock = lookout_layers::store::offline::StateLock::take(&journal)?;
            std::mem::forget(lock);
            options.snapshots = settings.snapshots;
            options.history = settings.history;
            let (store, report) = Store::open_embedded(&options, &bars).context("opening the embedded store")?;
            bars.finish();
            if let Some(e) = &report.epoch {
                tracing::warn!(
                    previous = %e.previous.slug(), current = %e.current.slug(), archived_to = %e.archived_to.display(),
                    "the dataset changed since the journal was written: a new journal epoch began; the old journal and snapshots are archived (GET /health names them)"
                );
            }
            epoch = report.epoch.clone();
            if let Some(torn) = &report.torn {
                tracing::error!(
                    journal = %report.journal.display(), offset = torn.offset, bytes = torn.bytes, saved_to = %torn.saved_to.display(),
                    "the journal's last record was torn (cut off before it was acknowledged); it was set aside, not applied"
                );
            }
            tracing::info!(
                dataset = %report.dataset_dir.display(),
                generated = report.generated,
                generate_s = report.generate_time.as_secs_f64(),
                load_s = report.load_time.as_secs_f64(),
                index_s = report.index_time.as_secs_f64(),
                replayed = report.replayed,
                history = report.history,
                history_s = report.history_time.as_secs_f64(),
                snapshot = report.snapshot,
                features = feature_count(&store),
                records_mb = store.catalog().struct_bytes() >> 20,
                rss_mb = resident_mb(),
                journal = %report.journal.display(),
                region = %settings.region.id,
                "store open (embedded)"
            );
            store
        }
    };
    // Writes must lie in the served region (its counties' extent plus 0.5°), not Shanxi's.
    let counties_box = {
        use geo::BoundingRect;
        let counties = store.catalog().counties.read();
        counties
            .features()
            .iter()
            .filter_map(|f| f.geometry.bounding_rect())
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::Coord {
                        x: a.min().x.min(b.min().x),
                        y: a.min().y.min(b.min().y),
                    },
                    geo::Coord {
                        x: a.max().x.max(b.max().x),
                        y: a.max().y.max(b.max().y),
                    },
                )
            })
    };
    if let Some(r) = counties_box {
        lookout_layers::validity::set_region([r.min().x, r.min().y, r.max().x, r.max().y]);
        let e = lookout_layers::validity::extent();
        tracing::info!(region = %settings.region.id, min = ?e.min, max = ?e.max, "features must lie in the region");
    }
    let tiles_started = std::time::Instant::now();
    let mut state = state::AppState::new(Arc::new(store), settings.clone()).context("opening the readings store")?;
    state.epoch = epoch.map(Arc::new);
    if let Some(url) = &settings.mqtt {
        state.mqtt = Some(mqtt::start(url, &settings.mqtt_client_id, state.clone()).context("MQTT ingest")?);
    }
    state.auth.set_dev_open(dev_open);
    tracing::info!(
        seconds = tiles_started.elapsed().as_secs_f64(),
        rss_mb = resident_mb(),
        "derived state built (tiles, risk grid, road and gas graphs, readings)"
    );
    let tls = settings.edge.tls.as_ref().map(tls::server_config).transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/map/", settings.bind);
    let state_has_no_users = state.store.users().is_empty();
    let setup = if state_has_no_users && !dev_open {
        state.auth.new_setup_token()
    } else {
        String::new()
    };
    let clock = state.clone();
    let warm = state.clone();
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        // Coverage snaps every enterprise once (seconds at scale 100), and
        // the teams, warehouses and shelters are snapped for `/nearest`: in
        // the background now, rather than in the first requests.
        drop(actix_web::rt::task::spawn_blocking(move || {
            let catalog = warm.store.catalog();
            let graph = warm.roads.graph(catalog);
            warm.coverage.warm(catalog, &graph);
            for layer in crate::roads::SNAPPED_LAYERS {
                if let Some(c) = catalog.read(layer) {
                    drop(warm.roads.snaps(&graph, &catalog.roads.read(), &*c));
                }
            }
        }));
        // The alarm rules that follow the clock: stale sensors, escalation.
        actix_web::rt::spawn(async move {
            let mut every = actix_web::rt::time::interval(std::time::Duration::from_secs(15));
            loop {
                every.tick().await;
                let s = clock.clone();
                let _ = actix_web::rt::task::spawn_blocking(move || {
                    s.monitor.run_clock(&s.store, &s.readings, chrono::Utc::now())
                })
                .await;
            }
        });
        // The ledger's deadlines: reminders, overdue alarms (docs/ledger.md);
        // the first look at start-up fires what fell due while down.
        // A look that has many events to store (hundreds of overdue alarms
        // after a long stop) ends early when the server stops: shutting down
        // would otherwise wait for it; the next start's first look stores the rest.
        let stopping = Arc::new(AtomicBool::new(false));
        let ledger_clock = state.clone();
        let ledger_stopping = stopping.clone();
        actix_web::rt::spawn(async move {
            let mut every = actix_web::rt::time::interval(ledger_clock.settings.ledger.tick);
            loop {
                every.tick().await;
                let s = ledger_clock.clone();
                let stopping = ledger_stopping.clone();
                let _ = actix_web::rt::task::spawn_blocking(move || {
                    if let Err(e) = ledger_clock_until(&s, chrono::Utc::now(), &stopping) {
                        tracing::error!(error = %e, "the ledger's deadline events could not be stored");
                    }
                })
                .await;
            }
        });
        let server = actix_web::HttpServer::new(move || app::build(state.clone()));
        let server = match tls {
            Some(config) => server.bind_rustls_0_23(settings.bind, config),
            None => server.bind(settings.bind),
        }
        .with_context(|| format!("binding {}", settings.bind))?
        .shutdown_timeout(5)
        .run();
        tracing::info!(
            startup_s = started.elapsed().as_secs_f64(),
            "serving on {scheme}://{} — the map is at {url}",
            settings.bind
        );
        if dev_open {
            tracing::warn!("--dev-open: NO SIGN-IN. Everyone who reaches {} is admin (as `dev`). For a single desk on this machine only.", settings.bind);
        } else if state_has_no_users {
            tracing::warn!(
                "no users yet: set up the first admin within this run at {url}#setup={setup} (the token works once; restarting makes a new one), or run `lookout user add NAME --role admin` while the server is stopped"
            );
        }
        if settings.open {
            // On a first start the browser lands on the set-up form itself.
            if setup.is_empty() {
                open_browser(&url);
            } else {
                open_browser(&format!("{url}#setup={setup}"));
            }
        }
        let served = server.await.context("HTTP server");
        stopping.store(true, Ordering::Relaxed);
        served
    })
}

/// One look of the ledger's clock at `now`: decides under the read lock,
/// stores after it (docs/ledger.md).
pub fn run_ledger_clock(state: &state::AppState, now: chrono::DateTime<chrono::Utc>) -> lookout_layers::Result<usize> {
    ledger_clock_until(state, now, &AtomicBool::new(false))
}

/// [`run_ledger_clock`], storing no more once `stopping` is set.
fn ledger_clock_until(
    state: &state::AppState,
    now: chrono::DateTime<chrono::Utc>,
    stopping: &AtomicBool,
) -> lookout_layers::Result<usize> {
    use lookout_layers::ledger::schedule;
    let events = {
        let ops = state.store.operations();
        let schedule = &state.settings.ledger.schedule;
        let mut events = schedule::due(ops.ledger(), schedule, now);
        events.extend(schedule::due_plans(
            state.store.catalog(),
            ops.inspections(),
            schedule,
            now,
        ));
        events
    };
    let until_stopped = events.into_iter().take_while(|_| !stopping.load(Ordering::Relaxed));
    schedule::store_batched(until_stopped, |actor, e| {
        state.store.submit_unit(actor, e, None).map(|r| r.len())
    })
}

fn open_browser(url: &str) {
    for opener in ["xdg-open", "open"] {
        if std::process::Command::new(opener)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
    tracing::info!("open {url} in a browser");
}
