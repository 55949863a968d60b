//! `lookout snapshot`, `lookout backup`, `lookout restore`: the embedded
//! store's upkeep from the command line (docs/operations.md).

use crate::cli::{StateArgs, or_home};
use anyhow::Context;
use lookout_layers::store::{EmbeddedOptions, Store, backup};

fn options(at: &StateArgs) -> anyhow::Result<EmbeddedOptions> {
    let data_dir = or_home(&at.data_dir, "data");
    Ok(crate::embedded_options(
        &data_dir,
        &or_home(&at.state_dir, "state"),
        at.seed,
        at.scale,
        crate::region(at.region.as_deref(), &data_dir)?,
    ))
}

fn journal_dir(options: &EmbeddedOptions) -> std::path::PathBuf {
    options.journal_dir()
}

/// Opens the store (refused while a server holds it) and takes a snapshot.
pub fn snapshot(at: &StateArgs) -> anyhow::Result<()> {
    let options = options(at)?;
    let journal = options.journal_dir().join("journal.lkj");
    let _lock = lookout_layers::store::offline::StateLock::take(&journal)?;
    let bars = crate::progress::Bars::new();
    let (store, report) = Store::open_embedded(&options, &bars).context("opening the embedded store")?;
    bars.finish();
    tracing::info!(
        replayed = report.replayed,
        from_snapshot = report.snapshot,
        "store open"
    );
    let started = std::time::Instant::now();
    match store.snapshot()? {
        Some(s) => tracing::info!(
            seq = s.seq,
            dir = %s.dir.display(),
            events = s.events,
            feature_changes = s.feature_changes,
            deleted = s.deleted.len(),
            seconds = started.elapsed().as_secs_f64(),
            "snapshot taken"
        ),
        None => tracing::info!(seq = store.last_seq(), "no event since the last snapshot: none taken"),
    }
    Ok(())
}

/// Backs the store up to `out` (a running server goes on writing).
pub fn backup(out: &std::path::Path, at: &StateArgs) -> anyhow::Result<()> {
    let options = options(at)?;
    let started = std::time::Instant::now();
    let report = backup::write(&journal_dir(&options), options.identity()?, out)
        .with_context(|| format!("backing up to {}", out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        out = %out.display(),
        last_event = report.last_seq,
        files = report.files,
        bytes = report.bytes,
        seconds,
        mb_per_s = (report.bytes as f64 / 1e6 / seconds.max(1e-9)).round(),
        "backup written"
    );
    Ok(())
}

/// Restores `file` into the (empty) state folder.
pub fn restore(file: &std::path::Path, at: &StateArgs) -> anyhow::Result<()> {
    let options = options(at)?;
    let (report, dir) = backup::restore(file, &options.state_dir, Some(options.identity()?))
        .with_context(|| format!("restoring {}", file.display()))?;
    tracing::info!(into = %dir.display(), last_event = report.last_seq, files = report.files, "restored");
    Ok(())
}
