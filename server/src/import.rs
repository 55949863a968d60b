//! `lookout import --layer L --from FILE --mapping M`: a bureau's register
//! into one layer of the embedded store (refused while a server holds it:
//! send the file to `POST /import/{layer}` instead) or of PostGIS, where
//! running replicas follow (docs/data.md).

use crate::cli::{self, ImportArgs};
use anyhow::Context;
use lookout_layers::import::{self, Options, crs::Crs, formats, mapping::Mapping};
use lookout_layers::store::Store;

/// Runs `lookout import --layer …`.
pub fn register(args: &ImportArgs) -> anyhow::Result<()> {
    let (Some(layer), Some(from), Some(mapping_path)) = (&args.layer, &args.from, &args.mapping) else {
        anyhow::bail!("--layer needs --from FILE and --mapping FILE");
    };
    import::layer_of(layer)?;
    let mapping = Mapping::read(mapping_path)?;
    if mapping.layer != *layer {
        anyhow::bail!(
            "{} maps the layer {:?}, not {layer:?}",
            mapping_path.display(),
            mapping.layer
        );
    }
    let crs: Option<Crs> = args.crs.as_deref().map(str::parse).transpose()?;
    let format = formats::Format::of(from)?;
    let started = std::time::Instant::now();
    let table = formats::read(from, format, &mapping)?;
    let read_s = started.elapsed().as_secs_f64();
    let bars = crate::progress::Bars::new();
    let store = open(args, &bars)?;
    bars.finish();
    let options = Options {
        crs,
        delete_missing: args.delete_missing,
        strict: args.strict,
    };
    let checked = std::time::Instant::now();
    let plan = import::plan(store.catalog(), &mapping, &table, format.name(), &options)?;
    let check_s = checked.elapsed().as_secs_f64();
    let report_path = args.report.clone().unwrap_or_else(|| {
        let mut name = from.file_name().unwrap_or_default().to_os_string();
        name.push(".report.csv");
        from.with_file_name(name)
    });
    std::fs::write(&report_path, plan.report.problems_csv())
        .with_context(|| format!("writing the report {}", report_path.display()))?;
    let refused = plan.report.refused_rows;
    let stored_s;
    let report = if args.dry_run {
        stored_s = 0.0;
        plan.report
    } else if args.strict && refused > 0 {
        eprint!("{}", plan.report.console());
        anyhow::bail!(
            "{refused} rows refused (report: {}); --strict: nothing was stored",
            report_path.display()
        );
    } else {
        let storing = std::time::Instant::now();
        let report = import::store(&store, args.user.as_str(), plan)?;
        stored_s = storing.elapsed().as_secs_f64();
        report
    };
    eprint!("{}", report.console());
    let rows = report.rows as f64;
    tracing::info!(
        layer = %report.layer,
        rows = report.rows,
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        deleted = report.deleted,
        refused = report.refused_rows,
        events = report.events,
        read_s,
        check_s,
        store_s = stored_s,
        rows_per_s = (rows / (read_s + check_s + stored_s).max(1e-9)).round(),
        report = %report_path.display(),
        "{}",
        if args.dry_run { "dry run: nothing stored" } else { "imported" }
    );
    Ok(())
}

fn open(args: &ImportArgs, bars: &crate::progress::Bars) -> anyhow::Result<Store> {
    if let Some(url) = args.store.as_deref().filter(|s| !s.is_empty()) {
        let (store, _) = Store::open_postgis(url, bars)
            .with_context(|| format!("opening {}", lookout_layers::store::postgis::redact(url)))?;
        return Ok(store);
    }
    let state_dir = cli::or_home(&args.state_dir, "state");
    let data_dir = cli::or_home(&args.data_dir, "data");
    let region = crate::region(args.region.as_deref(), &data_dir)?;
    let options = crate::embedded_options(&data_dir, &state_dir, args.seed, args.scale, region);
    let journal = options.journal_dir().join("journal.lkj");
    let lock = match lookout_layers::store::offline::StateLock::take(&journal) {
        Ok(lock) => lock,
        Err(lookout_layers::Error::Conflict(_)) => anyhow::bail!(
            "{} is held by a running `lookout serve` (the embedded journal has one writer): send the file to it instead, `POST /import/{}` (docs/data.md), or stop it first",
            journal.parent().unwrap_or(&state_dir).display(),
            args.layer.as_deref().unwrap_or("{layer}")
        ),
        Err(e) => return Err(e.into()),
    };
    // Held until the process ends: no server starts on the journal meanwhile.
    std::mem::forget(lock);
    let (store, _) = Store::open_embedded(&options, bars).context("opening the embedded store")?;
    Ok(store)
}
