#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod config;
pub mod error;
pub mod progress;
pub mod routes;
pub mod telemetry;
pub mod tiling;

use anyhow::Context;
use cli::{Cli, Command, DataCommand};
use lookout_layers::store::{EmbeddedOptions, EmbeddedStore};
use std::sync::Arc;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let settings = config::Settings::resolve(&args)?;
            serve(settings)
        }
        Command::Data {
            command: DataCommand::Generate(args),
        } => generate(args),
    }
}

fn generate(args: cli::GenerateArgs) -> anyhow::Result<()> {
    use lookout_layers::generate::Progress;
    use lookout_layers::{dataset, generate};
    let options = generate::Options {
        seed: args.seed,
        scale: args.scale,
    };
    let dir = dataset::generated_dir(&args.data_dir, args.seed, args.scale);
    let current = dataset::read_metadata(&dir).is_ok_and(|m| m.generator_version == generate::GENERATOR_VERSION);
    if current && !args.force {
        tracing::info!(dir = %dir.display(), "dataset exists already (use --force to write it again)");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let counties = generate::read_counties(&args.data_dir.join("shanxi-counties.geojson"))?;
    let bars = progress::Bars::new();
    let data = generate::generate(&counties, options, &bars)?;
    bars.stage("writing dataset", 1);
    data.save(&dir, &generate::metadata(&data, options))?;
    bars.finish();
    let counts: Vec<String> = data.counts().iter().map(|(id, n)| format!("{id} {n}")).collect();
    tracing::info!(dir = %dir.display(), seconds = started.elapsed().as_secs_f64(), "generated: {}", counts.join(", "));
    Ok(())
}

/// Opens the store and serves HTTP until stopped.
pub fn serve(settings: config::Settings) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bars = progress::Bars::new();
    let options = EmbeddedOptions {
        data_dir: settings.data_dir.clone(),
        state_dir: settings.state_dir.clone(),
        dataset: lookout_layers::generate::Options {
            seed: settings.seed,
            scale: settings.scale,
        },
    };
    let (store, report) = EmbeddedStore::open(&options, &bars).context("opening the embedded store")?;
    bars.finish();
    if let Some(torn) = &report.torn {
        tracing::error!(
            journal = %report.journal.display(), offset = torn.offset, bytes = torn.bytes, saved_to = %torn.saved_to.display(),
            "the journal's last record was torn (cut off before it was acknowledged); it was set aside, not applied"
        );
    }
    let features: usize = lookout_layers::Catalog::ids()
        .filter_map(|id| store.catalog().read(id).map(|c| c.len()))
        .sum();
    tracing::info!(
        dataset = %report.dataset_dir.display(),
        generated = report.generated,
        generate_s = report.generate_time.as_secs_f64(),
        load_s = report.load_time.as_secs_f64(),
        index_s = report.index_time.as_secs_f64(),
        replayed = report.replayed,
        features,
        journal = %report.journal.display(),
        "store open"
    );
    let tiles_started = std::time::Instant::now();
    let state = app::AppState::new(Arc::new(store), settings.clone());
    tracing::info!(
        seconds = tiles_started.elapsed().as_secs_f64(),
        "tile cluster pyramids built"
    );
    let url = format!("http://{}/map/", settings.bind);
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let server = actix_web::HttpServer::new(move || app::build(state.clone()))
            .bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?
            .shutdown_timeout(5)
            .run();
        tracing::info!(
            startup_s = started.elapsed().as_secs_f64(),
            "serving on http://{} — the map is at {url}",
            settings.bind
        );
        if settings.open {
            open_browser(&url);
        }
        server.await.context("HTTP server")
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
