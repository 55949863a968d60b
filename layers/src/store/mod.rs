//! Stores: where the truth is kept. The embedded store keeps the dataset in
//! files and every change in an append-only [`journal`].

pub mod journal;

use crate::catalog::{Catalog, Dataset};
use crate::collection::Collection;
use crate::dataset::{generated_dir, read_metadata};
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::generate::{self, GENERATOR_VERSION, Options, Progress};
use journal::{DatasetIdentity, Journal, TornTail};
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the embedded store finds its data and keeps its state.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Folder holding `shanxi-counties.geojson` and `generated/`.
    pub data_dir: PathBuf,
    /// Folder for the journal.
    pub state_dir: PathBuf,
    /// Which generated dataset.
    pub dataset: Options,
}

/// What opening the store did, for the log.
#[derive(Debug, Clone)]
pub struct OpenReport {
    /// The dataset folder.
    pub dataset_dir: PathBuf,
    /// Whether it had to be generated first.
    pub generated: bool,
    /// Time spent generating (zero if it existed).
    pub generate_time: Duration,
    /// Time reading the dataset files.
    pub load_time: Duration,
    /// Time building the R-trees.
    pub index_time: Duration,
    /// Events replayed from the journal.
    pub replayed: usize,
    /// A torn last journal record, set aside.
    pub torn: Option<TornTail>,
    /// The journal file.
    pub journal: PathBuf,
}

/// Sees every change applied to the catalog, while the layer is locked for
/// writing: once with the feature as it was, once as it is. Derived state
/// kept outside the catalog (tile caches, cluster pyramids) follows it, so it
/// is never behind when the change is acknowledged.
pub trait ChangeObserver: Send + Sync {
    /// Feature `id` of `layer` is about to change (it may not exist yet).
    fn before(&self, layer: &dyn Collection, id: FeatureId);
    /// Feature `id` of `layer` has changed (it may be gone).
    fn after(&self, layer: &dyn Collection, id: FeatureId);
}

/// The embedded store: the dataset in memory, every change journalled.
pub struct EmbeddedStore {
    observers: parking_lot::RwLock<Vec<Arc<dyn ChangeObserver>>>,
    catalog: Catalog,
    journal: Mutex<Journal>,
}

/// Loads the dataset named by `options`, generating it first if it is missing.
pub fn load_or_generate(
    options: &EmbeddedOptions,
    progress: &dyn Progress,
) -> Result<(Dataset, PathBuf, bool, Duration, Duration)> {
    let dir = generated_dir(&options.data_dir, options.dataset.seed, options.dataset.scale);
    if dir.join("metadata.json").exists() {
        let meta = read_metadata(&dir)?;
        if meta.generator_version == GENERATOR_VERSION {
            let started = Instant::now();
            progress.stage("loading dataset", 1);
            let dataset = Dataset::load(&dir)?;
            progress.advance(1);
            return Ok((dataset, dir, false, Duration::ZERO, started.elapsed()));
        }
        tracing::warn!(dir = %dir.display(), found = meta.generator_version, want = GENERATOR_VERSION, "dataset was written by another generator version; generating it again");
    }
    let started = Instant::now();
    let counties_path = options.data_dir.join("shanxi-counties.geojson");
    let counties = generate::read_counties(&counties_path)?;
    let dataset = generate::generate(&counties, options.dataset, progress)?;
    progress.stage("writing dataset", 1);
    dataset.save(&dir, &generate::metadata(&dataset, options.dataset))?;
    progress.advance(1);
    Ok((dataset, dir, true, started.elapsed(), Duration::ZERO))
}

impl EmbeddedStore {
    /// Opens the store: dataset (generated if missing), R-trees, journal replay.
    pub fn open(options: &EmbeddedOptions, progress: &dyn Progress) -> Result<(Self, OpenReport)> {
        let (dataset, dataset_dir, generated, generate_time, load_time) = load_or_generate(options, progress)?;
        let identity = DatasetIdentity {
            seed: options.dataset.seed,
            scale: options.dataset.scale,
            generator_version: GENERATOR_VERSION,
        };
        let journal_path = options
            .state_dir
            .join(format!("seed-{}-scale-{}", options.dataset.seed, options.dataset.scale))
            .join("journal.lkj");
        let (store, index_time, replayed, torn) = Self::from_dataset(dataset, identity, &journal_path)?;
        Ok((
            store,
            OpenReport {
                dataset_dir,
                generated,
                generate_time,
                load_time,
                index_time,
                replayed,
                torn,
                journal: journal_path,
            },
        ))
    }

    /// Indexes `dataset` and replays the journal at `journal_path` onto it.
    pub fn from_dataset(
        dataset: Dataset,
        identity: DatasetIdentity,
        journal_path: &Path,
    ) -> Result<(Self, Duration, usize, Option<TornTail>)> {
        let started = Instant::now();
        let catalog = Catalog::new(dataset);
        let index_time = started.elapsed();
        let opened = Journal::open(journal_path, identity)?;
        for record in &opened.records {
            apply(&catalog, &record.event).map_err(|e| Error::CorruptJournal {
                path: journal_path.into(),
                offset: record.seq,
                reason: format!("event {} no longer applies: {e}", record.seq),
            })?;
        }
        let replayed = opened.records.len();
        Ok((
            Self {
                observers: parking_lot::RwLock::new(Vec::new()),
                catalog,
                journal: Mutex::new(opened.journal),
            },
            index_time,
            replayed,
            opened.torn,
        ))
    }

    /// The layers in memory.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Checks `event`, writes it to the journal (on disk before this returns)
    /// and applies it. A refused event leaves no trace.
    pub fn submit(&self, actor: &str, event: Event) -> Result<EventRecord> {
        let mut journal = self.journal.lock();
        let mut layer = self
            .catalog
            .write(event.collection())
            .ok_or_else(|| Error::UnknownCollection(event.collection().into()))?;
        let prepared = layer.prepare(&event)?;
        let record = EventRecord {
            seq: journal.next_seq(),
            at: chrono::Utc::now(),
            actor: actor.into(),
            event: prepared.event.clone(),
        };
        let id = prepared.id;
        journal.append(&record)?;
        let observers = self.observers.read();
        for o in observers.iter() {
            o.before(&*layer, id);
        }
        layer.commit(prepared)?;
        for o in observers.iter() {
            o.after(&*layer, id);
        }
        Ok(record)
    }

    /// Registers an observer of every change from now on.
    pub fn observe(&self, observer: Arc<dyn ChangeObserver>) {
        self.observers.write().push(observer);
    }

    /// Sequence number of the last event stored.
    pub fn last_seq(&self) -> u64 {
        self.journal.lock().next_seq() - 1
    }
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("last_seq", &self.last_seq())
            .field("observers", &self.observers.read().len())
            .finish_non_exhaustive()
    }
}

fn apply(catalog: &Catalog, event: &Event) -> Result<()> {
    let mut layer = catalog
        .write(event.collection())
        .ok_or_else(|| Error::UnknownCollection(event.collection().into()))?;
    let prepared = layer.prepare(event)?;
    layer.commit(prepared)
}
