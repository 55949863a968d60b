//! Stores: where the truth is kept. Either way the situation is a [`Catalog`]
//! in memory, a fold over the dataset and every event since, and every change
//! is stored before it is applied and acknowledged.
//!
//! - Embedded: the dataset in files and every change in an append-only
//!   [`journal`]; one process, no database.
//! - [`postgis`]: the layers in tables and every change in the `events` table;
//!   any number of replicas share the database and follow each other's events
//!   (`LISTEN/NOTIFY`, and polling as a fallback).

pub mod backup;
mod batch;
pub mod blobs;
pub mod epoch;
pub mod feed;
pub mod history;
pub mod journal;
pub mod keys;
pub mod offline;
pub mod postgis;
pub mod snapshot;

use crate::auth::Users;
use crate::catalog::{Catalog, Dataset, Indexes};
use crate::collection::Collection;
use crate::dataset::{generated_dir_in, read_metadata};
use crate::error::{Error, Result};
use crate::event::{Author, Event, EventRecord, Idempotency, Unit};
use crate::feature::FeatureId;
use crate::generate::{self, GENERATOR_VERSION, Options, Progress};
use crate::ops::Operations;
use crate::region::Region;
use crate::row::Row;
use feed::{Feed, Subscription};
use journal::{DatasetIdentity, Journal, Sealed, TornTail};
pub use keys::StoredKey;
use parking_lot::Mutex;
use postgis::Postgis;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where the embedded store finds its data and keeps its state.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Folder holding `generated/`, `imported/` and `regions/` (and
    /// `shanxi-counties.geojson` to use instead of the built-in boundaries).
    pub data_dir: PathBuf,
    /// The region (the built-in Shanxi unless `--region` names another).
    pub region: Region,
    /// Folder for the journal.
    pub state_dir: PathBuf,
    /// Which generated dataset.
    pub dataset: Options,
    /// When to take snapshots, how many to keep.
    pub snapshots: snapshot::Policy,
    /// Whether a fresh store takes the generated dataset's year of ledger
    /// history (`history.jsonl.gz`, fictional) as its first events.
    pub history: bool,
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
    /// The snapshot start-up began from, if any.
    pub snapshot: Option<u64>,
    /// A new epoch begun because the dataset changed: the old journal archived.
    pub epoch: Option<epoch::Epoch>,
    /// Events of the generated ledger history stored (a fresh journal; [`history`]).
    pub history: usize,
    /// Time checking and storing them.
    pub history_time: Duration,
}

impl EmbeddedOptions {
    /// The identity of the dataset these options name: region, seed, scale,
    /// generator, and the hash of any road network imported for the region.
    pub fn identity(&self) -> Result<DatasetIdentity> {
        let region = journal::RegionId::try_from(self.region.id.as_str()).map_err(|reason| Error::BadData {
            path: "region.toml".into(),
            reason,
        })?;
        let base = crate::roads_osm::imported_base(&crate::roads_osm::imported_dir(&self.data_dir, &self.region.id))?;
        Ok(DatasetIdentity {
            region,
            base,
            ..identity_of(&self.dataset)
        })
    }

    /// The folder of the journal, its segments and snapshots:
    /// `STATE/seed-N-scale-K/` for the built-in region (as before regions),
    /// `STATE/REGION/seed-N-scale-K/` for another.
    pub fn journal_dir(&self) -> PathBuf {
        journal_dir(&self.state_dir, &self.region.id, self.dataset.seed, self.dataset.scale)
    }
}

/// The journal folder of a region's dataset under `state_dir` ([`EmbeddedOptions::journal_dir`]).
pub fn journal_dir(state_dir: &Path, region: &str, seed: u64, scale: u32) -> PathBuf {
    let leaf = format!("seed-{seed}-scale-{scale}");
    if region == crate::region::BUILTIN_ID {
        state_dir.join(leaf)
    } else {
        state_dir.join(region).join(leaf)
    }
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

/// Loads the dataset named by `options`, generating it first if it is
/// missing; with the layers' R-trees when its cache kept them.
pub fn load_or_generate(
    options: &EmbeddedOptions,
    progress: &dyn Progress,
) -> Result<(Dataset, PathBuf, bool, Duration, Duration, Indexes)> {
    let region = &options.region;
    let dir = generated_dir_in(
        &options.data_dir,
        &region.id,
        options.dataset.seed,
        options.dataset.scale,
    );
    let imported = crate::roads_osm::imported_dir(&options.data_dir, &region.id);
    if dir.join("metadata.json").exists() {
        let meta = read_metadata(&dir)?;
        if meta.generator_version == GENERATOR_VERSION && meta.region == region.id {
            let started = Instant::now();
            progress.stage("loading dataset", 1);
            let (mut dataset, indexes, cache) = crate::cache::load_indexed(&dir)?;
            tracing::debug!(dir = %dir.display(), ?cache, "dataset read");
            // Imported roads replace the generated ones: their kept tree
            // then no longer fits and is built again (`Layer::with_index`).
            crate::roads_osm::overlay_imported(&mut dataset, &imported)?;
            progress.advance(1);
            return Ok((dataset, dir, false, Duration::ZERO, started.elapsed(), indexes));
        }
        tracing::warn!(dir = %dir.display(), found = meta.generator_version, want = GENERATOR_VERSION, region = %meta.region, "dataset was written by another generator version or for another region; generating it again");
    }
    let started = Instant::now();
    let counties = generate::read_region_counties(region, &options.data_dir)?;
    let mut dataset = generate::generate_in(region, &counties, options.dataset, progress)?;
    progress.stage("writing dataset", 1);
    dataset.save(&dir, &generate::metadata_in(region, &dataset, options.dataset))?;
    generate::history::generate_and_write(&dir, &dataset, options.dataset.seed)?;
    if let Err(e) = crate::cache::write(&dir, &dataset) {
        tracing::warn!(dir = %dir.display(), error = %e, "the dataset cache could not be written; the next start reads the GeoJSON");
    }
    crate::roads_osm::overlay_imported(&mut dataset, &imported)?;
    progress.advance(1);
    Ok((
        dataset,
        dir,
        true,
        started.elapsed(),
        Duration::ZERO,
        Indexes::default(),
    ))
}

/// The identity of the built-in region's generated dataset `options` name,
/// as the current generator writes it ([`EmbeddedOptions::identity`] adds
/// the region and imported data).
pub fn identity_of(options: &Options) -> DatasetIdentity {
    DatasetIdentity::generated(options.seed, options.scale, GENERATOR_VERSION)
}

/// The situation in memory and whoever follows its changes.
struct Shared {
    catalog: Catalog,
    /// Incidents, units and their record: the fold of the operations events.
    ops: parking_lot::RwLock<Operations>,
    observers: parking_lot::RwLock<Vec<Arc<dyn ChangeObserver>>>,
    /// The last event folded into the catalog.
    last_seq: AtomicU64,
    /// Every event folded, to live subscribers.
    feed: Feed,
    /// Each `Idempotency-Key` stored, and what its request stored.
    keys: Mutex<HashMap<String, StoredKey>>,
    /// Users, tokens, sessions and the audit log: the fold of the auth events.
    users: parking_lot::RwLock<Users>,
    /// Embedded: units folded in whose journal record is not yet known to be
    /// on disk, in order, each with its journal ticket; they go to the live
    /// feed once an fsync covers them.
    unpublished: Mutex<std::collections::VecDeque<(u64, Vec<Arc<EventRecord>>)>>,
    /// Embedded: concurrent writers share fsyncs (group commit). Off: each
    /// write fsyncs under the journal lock, as before (kept for the benchmark).
    group_commit: AtomicBool,
}

/// Folds the feature changes of a command's events into one per feature:
/// an incident opened and given its zones in one command is created once,
/// with its zones.
fn coalesce(derived: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for event in derived {
        let same = out
            .iter_mut()
            .find(|p| p.collection() == event.collection() && p.feature_id() == event.feature_id());
        match (same, event) {
            (None, event) => out.push(event),
            (Some(Event::FeatureCreated { feature: f, .. }), Event::FeatureReplaced { feature, .. }) => *f = feature,
            (Some(Event::FeatureUpdated { properties: p, .. }), Event::FeatureUpdated { properties, .. }) => {
                p.extend(properties);
            }
            (Some(previous), event) => *previous = event,
        }
    }
    out
}

/// The feature changes one event makes, checked and ready to commit.
type Changes = Vec<(crate::collection::Prepared, Option<Row>)>;

impl Shared {
    fn new(catalog: Catalog, ops: Operations, last_seq: u64) -> Self {
        Self {
            catalog,
            ops: parking_lot::RwLock::new(ops),
            observers: parking_lot::RwLock::new(Vec::new()),
            last_seq: AtomicU64::new(last_seq),
            feed: Feed::new(last_seq),
            keys: Mutex::new(HashMap::new()),
            users: parking_lot::RwLock::new(Users::default()),
            unpublished: Mutex::new(std::collections::VecDeque::new()),
            group_commit: AtomicBool::new(true),
        }
    }

    /// Publishes, in order, the units folded in whose records are on disk
    /// up to `synced` (a journal ticket).
    fn publish_durable(&self, synced: u64) {
        let mut unpublished = self.unpublished.lock();
        while let Some((ticket, _)) = unpublished.front()
            && *ticket <= synced
        {
            if let Some((_, records)) = unpublished.pop_front() {
                self.publish(&records);
            }
        }
    }

    fn publish(&self, records: &[Arc<EventRecord>]) {
        // Auth events hold hashes: they are never pushed live.
        for record in records.iter().filter(|r| !r.event.is_auth()) {
            self.feed.publish(record.clone());
        }
    }

    /// What a request whose key is stored already gets: the events the first
    /// one stored (a retry that raced the first, or a replica that had not
    /// seen it yet: it answers as the first did and stores nothing), or, if
    /// those are no longer kept or the key came with another request, a
    /// refusal naming them. `None`: the key is new.
    fn stored_already(&self, key: Option<&Idempotency>) -> Option<Result<Vec<Arc<EventRecord>>>> {
        let key = key?;
        let stored = self.keys.lock().get(&key.key).cloned()?;
        let events = if stored.first_seq == stored.last_seq {
            format!("event {}", stored.first_seq)
        } else {
            format!("events {}–{}", stored.first_seq, stored.last_seq)
        };
        if stored.request != key.request {
            return Some(Err(Error::Conflict(format!(
                "Idempotency-Key {:?} was used for a different request ({events}); use a new key for a new request",
                key.key
            ))));
        }
        Some(self.stored_records(stored.first_seq, stored.last_seq).ok_or_else(|| {
            Error::Conflict(format!(
                "the request with Idempotency-Key {:?} was stored already as {events}; nothing new was stored",
                key.key
            ))
        }))
    }

    /// Events `first..=last`, from the live feed's recent past or the operations log.
    fn stored_records(&self, first: u64, last: u64) -> Option<Vec<Arc<EventRecord>>> {
        if let Some(records) = self.feed.kept(first, last) {
            return Some(records);
        }
        let ops = self.ops.read();
        let log = ops.log();
        let start = log.partition_point(|r| r.seq < first);
        let records: Vec<_> = log[start..].iter().take_while(|r| r.seq <= last).cloned().collect();
        (records.len() as u64 == last - first + 1).then_some(records)
    }

    /// Checks a command's events, in order, each against the state the ones
    /// before it leave, and makes the records to store with the feature
    /// changes they make. An event naming incident `0` after an
    /// `incident_opened` names the incident just opened. Operations events
    /// are checked against `ops` (the state in memory, or a batch's copy).
    fn plan_unit(
        &self,
        ops: &Operations,
        first_seq: u64,
        actor: &Author,
        mut events: Vec<Event>,
    ) -> Result<(Vec<EventRecord>, Changes)> {
        if events.len() == 1
            && let Some(event) = events.pop()
        {
            return self.plan(ops, first_seq, actor, event);
        }
        if events.is_empty() {
            return Err(Error::InvalidRequest("nothing to store".into()));
        }
        if events.iter().all(Event::is_feature_change) {
            return self.plan_feature_unit(ops, first_seq, actor, events);
        }
        if events.iter().any(|e| e.is_feature_change() || e.is_auth()) {
            return Err(Error::InvalidRequest(
                "a command of several events holds operations events only, or feature changes only".into(),
            ));
        }
        let at = now();
        // A copy of the state to check each event on (incidents are shared,
        // so this copies pointers, not records; the log is left out).
        let mut scratch = ops.scratch();
        let mut records = Vec::with_capacity(events.len());
        let mut derived = Vec::new();
        let mut opened = None;
        for (seq, mut event) in (first_seq..).zip(events) {
            if let (Some(id), Some(slot)) = (opened, event.incident_mut())
                && *slot == 0
            {
                *slot = id;
            }
            let event = scratch.check(&self.catalog, event)?;
            if let Event::IncidentOpened { incident, .. } = &event {
                opened = Some(*incident);
            }
            let record = EventRecord {
                seq,
                at,
                actor: actor.name.clone(),
                token: actor.token.clone(),
                event,
            };
            derived.extend(scratch.derived(&record));
            scratch.apply(Arc::new(record.clone()));
            records.push(record);
        }
        let changes = coalesce(derived)
            .iter()
            .map(|e| self.prepare(e))
            .collect::<Result<_>>()?;
        Ok((records, changes))
    }

    /// A unit of feature changes only (an import, docs/data.md): each
    /// change names its feature (a creation carries the id it will have) and
    /// no feature is changed twice, so each is checked against the state as
    /// it is, exactly as a single write would be, and all are stored as one.
    fn plan_feature_unit(
        &self,
        ops: &Operations,
        first_seq: u64,
        actor: &Author,
        events: Vec<Event>,
    ) -> Result<(Vec<EventRecord>, Changes)> {
        let mut seen = std::collections::HashSet::with_capacity(events.len());
        let mut records = Vec::with_capacity(events.len());
        let mut changes = Vec::with_capacity(events.len());
        // a hazard source's change may bring its regrade with it: the next
        // event's number follows every record planned so far
        let mut seq = first_seq;
        for event in events {
            let Some(id) = event.feature_id() else {
                return Err(Error::InvalidRequest(
                    "each feature created in a command of several events carries its id".into(),
                ));
            };
            if !seen.insert((event.collection().to_owned(), id)) {
                return Err(Error::InvalidRequest(format!(
                    "a command of several events changes feature {id} of {} once only",
                    event.collection()
                )));
            }
            let (planned, change) = self.plan(ops, seq, actor, event)?;
            seq += planned.len() as u64;
            records.extend(planned);
            changes.extend(change);
        }
        Ok((records, changes))
    }

    /// Applies a checked change, telling every observer while the layer is locked.
    fn commit(&self, prepared: crate::collection::Prepared) -> Result<()> {
        let mut layer = self
            .catalog
            .write(prepared.event.collection())
            .ok_or_else(|| Error::UnknownCollection(prepared.event.collection().into()))?;
        let id = prepared.id;
        let observers = self.observers.read();
        for o in observers.iter() {
            o.before(&*layer, id);
        }
        let result = layer.commit(prepared);
        for o in observers.iter() {
            o.after(&*layer, id);
        }
        result
    }

    /// Checks a request and makes the record to store, with the feature
    /// changes it makes: ids assigned, operations events checked against the
    /// incidents and teams, and plain feature changes kept off what only
    /// operations may change.
    fn plan(&self, ops: &Operations, seq: u64, actor: &Author, event: Event) -> Result<(Vec<EventRecord>, Changes)> {
        let at = now();
        let record = |seq: u64, event: Event| EventRecord {
            seq,
            at,
            actor: actor.name.clone(),
            token: actor.token.clone(),
            event,
        };
        if event.is_auth() {
            let event = self.users.read().check(event)?;
            return Ok((vec![record(seq, event)], Vec::new()));
        }
        if event.is_feature_change() {
            let event = self.keep_server_owned(event);
            self.guard(&event)?;
            let (prepared, row) = self.prepare(&event)?;
            if let Some(layer) = self.catalog.read(event.collection()) {
                layer.check_new(&prepared)?;
            }
            let mut records = vec![record(seq, prepared.event.clone())];
            // A hazard source whose grade the edit changes: the regrade is
            // recorded beside it, in the same unit.
            if let Some(regraded) = row.as_ref().and_then(|r| self.regrade(&prepared, r)) {
                records.push(record(seq + 1, regraded));
            }
            return Ok((records, vec![(prepared, row)]));
        }
        let event = ops.check(&self.catalog, event)?;
        let record = record(seq, event);
        let changes = self.changes(ops, &record)?;
        Ok((vec![record], changes))
    }

    /// The `hazard_regraded` event of an edit of a hazard source that
    /// changes its R or level (GB 18218: its quantities, or the people
    /// within 500 m), with the old and new grade and what changed.
    fn regrade(&self, prepared: &crate::collection::Prepared, row: &Row) -> Option<Event> {
        use crate::model::HazardSource;
        use crate::record::Record;
        use crate::row::Cell;
        if !matches!(
            prepared.event,
            Event::FeatureUpdated { .. } | Event::FeatureReplaced { .. }
        ) || prepared.event.collection() != HazardSource::INFO.id
        {
            return None;
        }
        let cell = |name: &str| {
            HazardSource::FIELDS
                .iter()
                .position(|f| f.name == name)
                .and_then(|i| row.cells.get(i))
        };
        let to_r = match cell("r_value") {
            Some(Cell::Real(r)) => *r,
            _ => return None,
        };
        let to_level = match cell("level") {
            Some(Cell::Integer(l)) => u8::try_from(*l).ok(),
            _ => None,
        };
        let people = match cell("people_within_500m") {
            Some(Cell::Integer(p)) => Some(*p),
            _ => None,
        };
        let hazards = self.catalog.hazard_sources.read();
        let old = hazards.feature(prepared.id)?;
        let was = &old.properties;
        if (to_r - was.r_value).abs() < 0.005 && to_level == was.level {
            return None;
        }
        let mut reasons = Vec::new();
        let substances = serde_json::to_value(&was.substances).ok();
        if row.rest.get("substances") != substances.as_ref() {
            reasons.push("quantities".to_owned());
        }
        if people != Some(i64::from(was.people_within_500m)) {
            reasons.push("people_within_500m".to_owned());
        }
        let location = match &row.geometry {
            geo::Geometry::Point(p) => Some([p.x(), p.y()]),
            _ => None,
        };
        Some(Event::HazardRegraded {
            hazard_source: prepared.id,
            name: was.name.clone(),
            from_r: was.r_value,
            to_r,
            from_level: was.level,
            to_level,
            reasons,
            location,
        })
    }

    /// A whole-feature replacement keeps what only the server sets: a
    /// hazard source's `alarm` (its sensors' alarm events set it) is carried
    /// over when the new feature leaves it out, so a PUT of a hazard source
    /// in alarm does not clear it.
    fn keep_server_owned(&self, mut event: Event) -> Event {
        if let Event::FeatureReplaced {
            collection,
            id,
            feature,
        } = &mut event
            && collection == "hazard_sources"
            && let Some(properties) = feature.get_mut("properties").and_then(serde_json::Value::as_object_mut)
            && !properties.contains_key("alarm")
            && let Some(alarm) = self
                .catalog
                .hazard_sources
                .read()
                .feature(*id)
                .and_then(|f| f.properties.alarm)
        {
            properties.insert("alarm".into(), serde_json::Value::String(alarm.code().into()));
        }
        event
    }

    /// Incidents change only through operations events, and a team's status
    /// only through the dispatch cycle, so the record of both stays whole.
    fn guard(&self, event: &Event) -> Result<()> {
        let collection = event.collection();
        if collection == "incidents" {
            return Err(Error::InvalidRequest(
                "incidents are opened, updated and closed through /incidents, which keeps their record".into(),
            ));
        }
        if collection == "hazard_sources" {
            let hazards = self.catalog.hazard_sources.read();
            let alarm_changes = |id: FeatureId, new: Option<&serde_json::Value>| {
                let current = hazards
                    .feature(id)
                    .and_then(|f| f.properties.alarm)
                    .map(|a| serde_json::Value::String(a.code().into()));
                new.is_some_and(|n| Some(n) != current.as_ref() && !(n.is_null() && current.is_none()))
            };
            let refused = match event {
                Event::FeatureUpdated { id, properties, .. } => alarm_changes(*id, properties.get("alarm")),
                Event::FeatureReplaced { id, feature, .. } => alarm_changes(*id, feature.pointer("/properties/alarm")),
                _ => false,
            };
            if refused {
                return Err(Error::Conflict(
                    "a hazard source's alarm is set by its sensors' alarm events (GET /alarms), not by a feature edit"
                        .into(),
                ));
            }
            return Ok(());
        }
        if collection != "rescue_teams" {
            return Ok(());
        }
        let teams = self.catalog.rescue_teams.read();
        let status_changes = |id: FeatureId, new: Option<&serde_json::Value>| {
            let current = teams.feature(id).map(|f| f.properties.status.code());
            new.is_some_and(|s| current.is_some_and(|c| s.as_str() != Some(c)))
        };
        let refused = match event {
            Event::FeatureUpdated { id, properties, .. } => status_changes(*id, properties.get("status")),
            Event::FeatureReplaced { id, feature, .. } => status_changes(*id, feature.pointer("/properties/status")),
            Event::FeatureDeleted { id, .. } => teams
                .feature(*id)
                .is_some_and(|f| f.properties.status != crate::model::TeamStatus::Available),
            _ => false,
        };
        if refused {
            return Err(Error::Conflict(
                "a team's status changes through POST /teams/{id}/status (and dispatch), which keeps the dispatch record; a team that is not available cannot be deleted".into(),
            ));
        }
        Ok(())
    }

    /// The feature changes a stored event makes, the operations state being `ops`.
    fn changes(&self, ops: &Operations, record: &EventRecord) -> Result<Changes> {
        if record.event.is_auth() {
            return Ok(Vec::new());
        }
        if record.event.is_feature_change() {
            return Ok(vec![self.prepare(&record.event)?]);
        }
        let derived = ops.derived(record);
        derived.iter().map(|e| self.prepare(e)).collect()
    }

    /// Commits the changes and folds a stored unit in: catalog, operations
    /// (all its events under one lock, so no reader sees half a command),
    /// last event, live feed, its key.
    fn install(&self, unit: Unit, changes: Changes) -> Result<Vec<Arc<EventRecord>>> {
        let records = self.install_unpublished(unit, changes)?;
        self.publish(&records);
        Ok(records)
    }

    /// [`Shared::install`] but for the live feed.
    fn install_unpublished(&self, unit: Unit, changes: Changes) -> Result<Vec<Arc<EventRecord>>> {
        for (prepared, _) in changes {
            self.commit(prepared)?;
        }
        if let Some((key, stored)) = StoredKey::of(&unit) {
            self.keys.lock().insert(key, stored);
        }
        let records: Vec<Arc<EventRecord>> = unit.events.into_iter().map(Arc::new).collect();
        {
            let mut ops = self.ops.write();
            let mut users = self.users.write();
            for record in &records {
                users.apply_shared(record);
                if !record.event.is_feature_change() && !record.event.is_auth() {
                    ops.apply(record.clone());
                }
            }
        }
        if let Some(last) = records.last() {
            self.last_seq.store(last.seq, Ordering::Release);
        }
        Ok(records)
    }

    /// Folds a stored unit (ours from before, or another replica's) into the
    /// catalog, event by event as each was checked.
    fn apply(&self, unit: Unit) -> Result<()> {
        let key = StoredKey::of(&unit);
        for record in unit.events {
            let changes = self.changes(&self.ops.read(), &record)?;
            self.install(Unit::single(record), changes)?;
        }
        if let Some((key, stored)) = key {
            self.keys.lock().insert(key, stored);
        }
        Ok(())
    }

    fn prepare(&self, event: &Event) -> Result<(crate::collection::Prepared, Option<Row>)> {
        let layer = self
            .catalog
            .read(event.collection())
            .ok_or_else(|| Error::UnknownCollection(event.collection().into()))?;
        let prepared = layer.prepare(event)?;
        let row = layer.prepared_row(&prepared);
        Ok((prepared, row))
    }
}

/// How the PostGIS replica keeps up with the others.
#[derive(Debug, Default)]
pub struct FollowerStatus {
    listening: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl FollowerStatus {
    /// Whether the `LISTEN` connection is up.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// The last connection error, while not listening.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().clone()
    }
}

enum Backend {
    Journal(Arc<Mutex<Journal>>),
    Postgis {
        db: Box<Postgis>,
        /// Serialises this replica's writes and the follower's catch-up;
        /// held by the leader of a batch.
        writer: Arc<tokio::sync::Mutex<()>>,
        /// Commands waiting for the next batch ([`batch`]).
        batch: batch::Queue,
        follower: Arc<FollowerStatus>,
    },
}

/// The store: the situation in memory, and where every change is kept.
pub struct Store {
    shared: Arc<Shared>,
    backend: Backend,
    /// Embedded, opened by [`Store::open_embedded`]: where snapshots go and when.
    snapshots: Option<Arc<Snapshots>>,
}

/// What the embedded store starts from.
#[derive(Debug)]
pub enum Start {
    /// The dataset as generated: every event is replayed.
    Dataset(Dataset),
    /// The same, with the R-trees its cache kept ([`crate::cache`]).
    Indexed(Dataset, Indexes),
    /// A snapshot: the events after it are replayed.
    Snapshot(snapshot::Snapshot),
}

/// Where an embedded store's snapshots go, and when.
#[derive(Debug)]
struct Snapshots {
    dir: PathBuf,
    identity: DatasetIdentity,
    policy: snapshot::Policy,
    /// A snapshot is being taken.
    busy: AtomicBool,
}

fn take_snapshot(shared: &Shared, journal: &Mutex<Journal>, snapshots: &Snapshots) -> Result<Option<snapshot::Report>> {
    if snapshots.busy.swap(true, Ordering::AcqRel) {
        return Ok(None);
    }
    let taken = (|| {
        let (dataset, seq, keys) = {
            let mut journal = journal.lock();
            let seq = journal.next_seq() - 1;
            if seq == journal.after() {
                return Ok(None);
            }
            let dataset = shared.catalog.to_dataset();
            let keys = shared.keys.lock().clone();
            let segment = snapshot::segment_path(&snapshots.dir, journal.after() + 1, seq);
            journal.seal_into(&segment)?;
            (dataset, seq, keys)
        };
        let started = Instant::now();
        let report = snapshot::write(
            &snapshots.dir,
            snapshots.identity,
            seq,
            &dataset,
            &keys,
            snapshots.policy,
        )?;
        tracing::info!(seq, dir = %report.dir.display(), seconds = started.elapsed().as_secs_f64(), deleted = report.deleted.len(), "snapshot taken");
        Ok(Some(report))
    })();
    snapshots.busy.store(false, Ordering::Release);
    taken
}

/// What opening a PostGIS store did, for the log.
#[derive(Debug, Clone)]
pub struct PostgisReport {
    /// Which dataset the database holds.
    pub identity: DatasetIdentity,
    /// Time reading the tables.
    pub load_time: Duration,
    /// Time building the R-trees.
    pub index_time: Duration,
    /// The last event already in the tables.
    pub last_seq: u64,
}

/// How often a replica looks for events even without a notification.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

impl Store {
    /// Opens the embedded store: dataset (generated if missing), R-trees, journal replay.
    pub fn open_embedded(options: &EmbeddedOptions, progress: &dyn Progress) -> Result<(Self, OpenReport)> {
        let journal_path = options.journal_dir().join("journal.lkj");
        let identity = options.identity()?;
        let dir = journal_path.parent().unwrap_or(Path::new("."));
        let epoch = epoch::begin_if_changed(dir, &journal_path, identity)?;
        let started = Instant::now();
        progress.stage("reading the latest snapshot", 1);
        let snapshot = snapshot::latest(dir, identity)?;
        progress.advance(1);
        let (start, dataset_dir, generated, generate_time, load_time) = match snapshot {
            Some(s) => {
                let dir = s.dir.clone();
                (Start::Snapshot(s), dir, false, Duration::ZERO, started.elapsed())
            }
            None => {
                let (dataset, dir, generated, generate_time, load_time, indexes) = load_or_generate(options, progress)?;
                (
                    Start::Indexed(dataset, indexes),
                    dir,
                    generated,
                    generate_time,
                    load_time,
                )
            }
        };
        let snapshot_seq = match &start {
            Start::Snapshot(s) => Some(s.seq),
            Start::Dataset(_) | Start::Indexed(..) => None,
        };
        let (mut store, index_time, replayed, torn) = Self::embedded_from(start, identity, &journal_path)?;
        store.set_snapshot_policy(options.snapshots);
        let started = Instant::now();
        let mut history = 0;
        if options.history && store.history_pending() {
            let generated = generated_dir_in(
                &options.data_dir,
                &options.region.id,
                options.dataset.seed,
                options.dataset.scale,
            );
            if let Some(records) = generate::history::read(&generated)? {
                progress.stage("storing the generated ledger history", 1);
                history = store.append_history(records)?;
                progress.advance(1);
            }
        }
        let history_time = started.elapsed();
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
                snapshot: snapshot_seq,
                epoch,
                history,
                history_time,
            },
        ))
    }

    /// Indexes `dataset` and replays the journal at `journal_path` onto it.
    pub fn embedded(
        dataset: Dataset,
        identity: DatasetIdentity,
        journal_path: &Path,
    ) -> Result<(Self, Duration, usize, Option<TornTail>)> {
        Self::embedded_from(Start::Dataset(dataset), identity, journal_path)
    }

    /// Indexes the dataset (or the snapshot's features, with its folds) and
    /// replays the events after it: the sealed segments, then the journal.
    pub fn embedded_from(
        start: Start,
        identity: DatasetIdentity,
        journal_path: &Path,
    ) -> Result<(Self, Duration, usize, Option<TornTail>)> {
        let started = Instant::now();
        let (shared, base) = match start {
            Start::Dataset(dataset) => (
                Arc::new(Shared::new(Catalog::new(dataset), Operations::default(), 0)),
                0,
            ),
            Start::Indexed(dataset, indexes) => (
                Arc::new(Shared::new(
                    Catalog::with_indexes(dataset, indexes),
                    Operations::default(),
                    0,
                )),
                0,
            ),
            Start::Snapshot(s) => {
                let mut ops = Operations::default();
                let mut users = Users::default();
                s.folds.fold(|step| {
                    match step {
                        snapshot::Step::Event(record) => {
                            users.apply_shared(&record);
                            if !record.event.is_auth() {
                                ops.apply(record);
                            }
                        }
                        snapshot::Step::Audit(entry) => users.restore_audit(entry.clone()),
                    }
                    Ok(())
                })?;
                let shared = Arc::new(Shared::new(Catalog::with_indexes(s.dataset, s.indexes), ops, s.seq));
                *shared.users.write() = users;
                shared.keys.lock().extend(s.keys);
                (shared, s.seq)
            }
        };
        let index_time = started.elapsed();
        let dir = journal_path.parent().unwrap_or(Path::new("."));
        let mut next = base + 1;
        let mut replayed = 0;
        let replay = |unit: Unit, path: &Path, next: &mut u64, replayed: &mut usize| -> Result<()> {
            let Some((first, last)) = unit.seqs() else {
                return Ok(());
            };
            if last < *next {
                return Ok(());
            }
            if first != *next {
                return Err(Error::CorruptJournal {
                    path: path.into(),
                    offset: 0,
                    reason: format!(
                        "event {first} where {next} was due: the segments between are missing (deleted past the retention, or not restored)"
                    ),
                });
            }
            let events = unit.events.len();
            shared.apply(unit).map_err(|e| Error::CorruptJournal {
                path: path.into(),
                offset: first,
                reason: format!("events {:?} no longer apply: {e}", Some((first, last))),
            })?;
            *replayed += events;
            *next = last + 1;
            Ok(())
        };
        for (_, last, path) in snapshot::segments(dir)? {
            if last >= next {
                // folded while the later units are parsed
                Sealed::open(&path, identity)?.each(|unit| replay(unit, &path, &mut next, &mut replayed))?;
            }
        }
        let mut opened = Journal::open(journal_path, identity)?;
        if opened.journal.after() >= next {
            return Err(Error::CorruptJournal {
                path: journal_path.into(),
                offset: 0,
                reason: format!(
                    "the journal begins after event {}, but the snapshot and segments end at {}: a segment is missing",
                    opened.journal.after(),
                    next - 1
                ),
            });
        }
        for unit in std::mem::take(&mut opened.units) {
            replay(unit, journal_path, &mut next, &mut replayed)?;
        }
        shared.last_seq.store(opened.journal.next_seq() - 1, Ordering::Release);
        Ok((
            Self {
                shared,
                backend: Backend::Journal(Arc::new(Mutex::new(opened.journal))),
                snapshots: Some(Arc::new(Snapshots {
                    dir: dir.to_path_buf(),
                    identity,
                    policy: snapshot::Policy::default(),
                    busy: AtomicBool::new(false),
                })),
            },
            index_time,
            replayed,
            opened.torn,
        ))
    }

    /// Takes a snapshot now (embedded store; see [`snapshot`]): writes are
    /// held back only while the features are copied and the journal sealed.
    /// `None`: no event since the last one, or one is being taken.
    pub fn snapshot(&self) -> Result<Option<snapshot::Report>> {
        let (Backend::Journal(journal), Some(snapshots)) = (&self.backend, &self.snapshots) else {
            return Err(Error::InvalidRequest(
                "snapshots are for the embedded store; back PostGIS up with pg_dump (docs/operations.md)".into(),
            ));
        };
        take_snapshot(&self.shared, journal, snapshots)
    }

    /// Opens a PostGIS store: reads every layer from one snapshot, builds the
    /// R-trees, and starts following the other replicas' events.
    pub fn open_postgis(url: &str, progress: &dyn Progress) -> Result<(Self, PostgisReport)> {
        let db = Postgis::new(url)?;
        db.block_on(db.check_schema())?;
        let started = Instant::now();
        let snapshot = db.load(progress)?;
        let load_time = started.elapsed();
        let started = Instant::now();
        // The tables hold the features as of `last_seq`; the incidents'
        // record was folded from the operations events up to it, as they
        // were read beside the layers.
        let shared = Arc::new(Shared::new(
            Catalog::new(snapshot.dataset),
            snapshot.ops,
            snapshot.last_seq,
        ));
        *shared.users.write() = snapshot.users;
        shared.keys.lock().extend(snapshot.keys);
        let index_time = started.elapsed();
        let writer = Arc::new(tokio::sync::Mutex::new(()));
        let follower = Arc::new(FollowerStatus::default());
        db.spawn(follow(
            Arc::downgrade(&shared),
            db.config().clone(),
            writer.clone(),
            follower.clone(),
        ));
        Ok((
            Self {
                shared,
                backend: Backend::Postgis {
                    db: Box::new(db),
                    writer,
                    batch: batch::Queue::default(),
                    follower,
                },
                snapshots: None,
            },
            PostgisReport {
                identity: snapshot.identity,
                load_time,
                index_time,
                last_seq: snapshot.last_seq,
            },
        ))
    }

    /// The layers in memory.
    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// Which store this is: `embedded` or `postgis`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Journal(_) => "embedded",
            Backend::Postgis { .. } => "postgis",
        }
    }

    /// An embedded store's journal: who waits for its writes to reach the disk.
    pub fn journal_durability(&self) -> Option<Arc<journal::Durability>> {
        match &self.backend {
            Backend::Journal(journal) => Some(journal.lock().durability()),
            Backend::Postgis { .. } => None,
        }
    }

    /// The journal's size in bytes, for an embedded store.
    pub fn journal_bytes(&self) -> Option<u64> {
        match &self.backend {
            Backend::Journal(journal) => Some(journal.lock().len_bytes()),
            Backend::Postgis { .. } => None,
        }
    }

    /// The database, for a PostGIS store.
    pub fn postgis(&self) -> Option<&Postgis> {
        match &self.backend {
            Backend::Postgis { db, .. } => Some(db),
            Backend::Journal(_) => None,
        }
    }

    /// How the replica follows the others, for a PostGIS store.
    pub fn follower(&self) -> Option<&FollowerStatus> {
        match &self.backend {
            Backend::Postgis { follower, .. } => Some(follower),
            Backend::Journal(_) => None,
        }
    }

    /// Checks `event`, stores it (on disk, or committed in PostGIS, before
    /// this returns) and applies it. A refused or failed event leaves no
    /// trace. Call from a thread that may block.
    pub fn submit(&self, actor: impl Into<Author>, event: Event) -> Result<Arc<EventRecord>> {
        // The event asked for; a hazard source's regrade may follow it.
        let records = self.submit_unit(actor, vec![event], None)?;
        records
            .into_iter()
            .next()
            .ok_or_else(|| Error::InvalidRequest("nothing was stored".into()))
    }

    /// Checks a command's events, each against the state the ones before it
    /// leave, stores them as one unit with the request's key (one journal
    /// record, or one PostGIS transaction) and applies them: all of them, or
    /// (refused, or the store failing) none. An event naming incident `0`
    /// after an `incident_opened` names the incident just opened. A key
    /// stored already with the same request returns the events that request
    /// stored, storing nothing (with another request, or when those events
    /// are no longer kept: [`Error::Conflict`] naming them). Call from a
    /// thread that may block.
    pub fn submit_unit(
        &self,
        actor: impl Into<Author>,
        events: Vec<Event>,
        key: Option<Idempotency>,
    ) -> Result<Vec<Arc<EventRecord>>> {
        let actor = actor.into();
        let actor = &actor;
        let started = Instant::now();
        let stored = self.submit_unit_timed(actor, events, key);
        if stored.is_ok() {
            metrics::histogram!("lookout_store_write_seconds", "store" => self.kind())
                .record(started.elapsed().as_secs_f64());
        }
        stored
    }

    fn submit_unit_timed(
        &self,
        actor: &Author,
        events: Vec<Event>,
        key: Option<Idempotency>,
    ) -> Result<Vec<Arc<EventRecord>>> {
        match &self.backend {
            Backend::Journal(journal) => {
                let mut journal = journal.lock();
                let durability = journal.durability();
                if self.shared.stored_already(key.as_ref()).is_some() {
                    // A retry racing the first: answered once what the first
                    // stored (and anything before it) is on disk.
                    drop(journal);
                    durability.wait(durability.written())?;
                    self.shared.publish_durable(durability.synced());
                    return self.shared.stored_already(key.as_ref()).unwrap_or_else(|| {
                        Err(Error::Conflict(
                            "the request's Idempotency-Key was stored and is gone".into(),
                        ))
                    });
                }
                let (records, changes) =
                    self.shared
                        .plan_unit(&self.shared.ops.read(), journal.next_seq(), actor, events)?;
                let unit = Unit {
                    events: records,
                    idempotency: key,
                };
                // Group commit: the record is written here, under the lock,
                // and folded in so the next command is checked against it;
                // the lock is let go before the fsync, which concurrent
                // writers share. No writer is answered, and no event goes
                // to the live feed, before an fsync covering it returns. A
                // failed write leaves nothing written and nothing folded.
                let group = self.shared.group_commit.load(Ordering::Relaxed);
                let ticket = if group {
                    journal.write_unit(&unit)?
                } else {
                    journal.append_unit(&unit)?;
                    durability.synced()
                };
                let due = self.snapshots.as_ref().is_some_and(|s| {
                    s.policy
                        .due(journal.next_seq() - 1 - journal.after(), journal.len_bytes())
                        && !s.busy.load(Ordering::Acquire)
                });
                let installed = self.shared.install_unpublished(unit, changes);
                if let Ok(records) = &installed {
                    self.shared.unpublished.lock().push_back((ticket, records.clone()));
                }
                drop(journal);
                durability.wait(ticket)?;
                self.shared.publish_durable(durability.synced());
                if due {
                    self.snapshot_in_background();
                }
                installed
            }
            Backend::Postgis { db, writer, batch, .. } if self.shared.group_commit.load(Ordering::Relaxed) => {
                db.block_on(self.submit_batched(db, writer, batch, actor, events, key))
            }
            Backend::Postgis { db, writer, .. } => db.block_on(async {
                tokio::time::timeout(postgis::TIMEOUT, self.submit_postgis(db, writer, actor, events, key))
                    .await
                    .map_err(|_| {
                        postgis::unavailable(format!(
                            "no answer within {} s; the change was not applied",
                            postgis::TIMEOUT.as_secs()
                        ))
                    })?
            }),
        }
    }

    /// Opens an incident (or a drill) and draws its zones, as one command:
    /// both events are stored, or neither. Returns the incident's id.
    pub fn open_incident(
        &self,
        actor: impl Into<Author>,
        spec: crate::model::IncidentSpec,
        drill: bool,
        scenario: Option<String>,
        key: Option<Idempotency>,
    ) -> Result<FeatureId> {
        let events = crate::ops::open_events(self.catalog(), spec, drill, scenario)?;
        let records = self.submit_unit(actor, events, key)?;
        records
            .first()
            .and_then(|r| r.event.feature_id())
            .ok_or_else(|| Error::InvalidRequest("no incident was opened".into()))
    }

    /// Changes what is known about an incident and redraws its zones, as one
    /// command (after `before`, e.g. the drill inject that brings the change).
    pub fn update_incident(
        &self,
        actor: impl Into<Author>,
        id: FeatureId,
        changes: serde_json::Map<String, serde_json::Value>,
        before: Vec<Event>,
        key: Option<Idempotency>,
    ) -> Result<Vec<Arc<EventRecord>>> {
        let update = self.operations().update_events(self.catalog(), id, changes)?;
        let events = before.into_iter().chain(update).collect();
        self.submit_unit(actor, events, key)
    }

    /// When this embedded store takes snapshots by itself, and how many it keeps.
    pub fn set_snapshot_policy(&mut self, policy: snapshot::Policy) {
        if let Some(s) = &self.snapshots {
            self.snapshots = Some(Arc::new(Snapshots {
                dir: s.dir.clone(),
                identity: s.identity,
                policy,
                busy: AtomicBool::new(false),
            }));
        }
    }

    fn snapshot_in_background(&self) {
        let (Backend::Journal(journal), Some(snapshots)) = (&self.backend, &self.snapshots) else {
            return;
        };
        let (shared, journal, snapshots) = (self.shared.clone(), journal.clone(), snapshots.clone());
        std::thread::spawn(move || {
            if let Err(e) = take_snapshot(&shared, &journal, &snapshots) {
                tracing::error!(error = %e, "the automatic snapshot failed; start-up replays the journal instead");
            }
        });
    }

    /// Benchmarks only: `false` makes every embedded write fsync alone under
    /// the journal lock, and every PostGIS write one transaction of its own,
    /// statement after statement, as before group commit, to measure against it.
    #[doc(hidden)]
    pub fn set_group_commit(&self, on: bool) {
        self.shared.group_commit.store(on, Ordering::Relaxed);
    }

    /// Benchmarks only: PostGIS transactions committed by batches so far, and
    /// the commands they held.
    #[doc(hidden)]
    pub fn batch_commits(&self) -> Option<(u64, u64)> {
        match &self.backend {
            Backend::Postgis { batch, .. } => Some(batch.commits()),
            Backend::Journal(_) => None,
        }
    }

    /// Benchmarks only: the most commands one PostGIS transaction takes
    /// (1: a transaction per command, its statements still issued together).
    #[doc(hidden)]
    pub fn set_batch_limit(&self, limit: usize) {
        if let Backend::Postgis { batch, .. } = &self.backend {
            batch.set_limit(limit);
        }
    }

    /// Tests: the journal's next write stops after `bytes` bytes, as on a full disk.
    #[cfg(test)]
    pub(crate) fn fail_next_write_after(&self, bytes: usize) {
        if let Backend::Journal(journal) = &self.backend {
            journal.lock().fail_next_write_after(bytes);
        }
    }

    /// What a request with this `Idempotency-Key` stored, if one did.
    pub fn idempotent(&self, key: &str) -> Option<StoredKey> {
        self.shared.keys.lock().get(key).cloned()
    }

    async fn submit_postgis(
        &self,
        db: &Postgis,
        writer: &tokio::sync::Mutex<()>,
        actor: &Author,
        events: Vec<Event>,
        key: Option<Idempotency>,
    ) -> Result<Vec<Arc<EventRecord>>> {
        let _writing = writer.lock().await;
        let mut client = db.client().await?;
        let tx = client.transaction().await.map_err(postgis::unavailable)?;
        postgis::lock_writers(&tx).await?;
        // Whatever other replicas wrote first is applied before this is
        // checked, keys included: a retry whose first answer was lost after
        // COMMIT finds its key here.
        for unit in postgis::events_after(&*tx, self.last_seq()).await? {
            self.shared.apply(unit)?;
        }
        if let Some(stored) = self.shared.stored_already(key.as_ref()) {
            return stored;
        }
        let (records, changes) = self
            .shared
            .plan_unit(&self.shared.ops.read(), self.last_seq() + 1, actor, events)?;
        for (prepared, row) in &changes {
            let collection = prepared.event.collection();
            let fields = self.catalog().read(collection).map(|l| l.fields()).unwrap_or_default();
            postgis::write_row(&tx, collection, fields, prepared.id, row.clone()).await?;
        }
        for record in &records {
            postgis::append_event(&tx, record, key.as_ref()).await?;
        }
        tx.commit().await.map_err(postgis::unavailable)?;
        self.shared.install(
            Unit {
                events: records,
                idempotency: key,
            },
            changes,
        )
    }

    /// Users, tokens, sessions and the audit log, as folded from the events.
    pub fn users(&self) -> parking_lot::RwLockReadGuard<'_, Users> {
        self.shared.users.read()
    }

    /// Incidents, units and their record, as folded from the events.
    pub fn operations(&self) -> parking_lot::RwLockReadGuard<'_, Operations> {
        self.shared.ops.read()
    }

    /// The events after `after`, then every new one as it is folded in.
    pub fn subscribe(&self, after: u64) -> Subscription {
        self.shared.feed.subscribe(after)
    }

    /// Registers an observer of every change from now on.
    pub fn observe(&self, observer: Arc<dyn ChangeObserver>) {
        self.shared.observers.write().push(observer);
    }

    /// Sequence number of the last event folded into memory.
    pub fn last_seq(&self) -> u64 {
        self.shared.last_seq.load(Ordering::Acquire)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("kind", &self.kind())
            .field("last_seq", &self.last_seq())
            .field("observers", &self.shared.observers.read().len())
            .finish_non_exhaustive()
    }
}

/// Now, to the microsecond (what PostGIS keeps), so every replica sees the same time.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Follows the other replicas: listens for notifications, and on each one
/// (or every [`POLL_INTERVAL`], or after reconnecting) applies the events
/// after the last one applied. Ends when the store is dropped.
async fn follow(
    shared: std::sync::Weak<Shared>,
    config: tokio_postgres::Config,
    writer: Arc<tokio::sync::Mutex<()>>,
    status: Arc<FollowerStatus>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        if shared.strong_count() == 0 {
            return;
        }
        match postgis::listen(&config).await {
            Ok((client, mut notifications)) => {
                status.listening.store(true, Ordering::Release);
                *status.last_error.lock() = None;
                backoff = Duration::from_millis(200);
                tracing::info!("following other replicas' events");
                loop {
                    let Some(shared) = shared.upgrade() else { return };
                    if let Err(e) = catch_up(&shared, &client, &writer).await {
                        tracing::warn!(error = %e, "catching up on events failed");
                        *status.last_error.lock() = Some(e.to_string());
                        break;
                    }
                    drop(shared);
                    tokio::select! {
                        n = notifications.recv() => if n.is_none() { break },
                        () = tokio::time::sleep(POLL_INTERVAL) => {}
                    }
                    // Several notifications are one catch-up.
                    while notifications.try_recv().is_ok() {}
                }
                status.listening.store(false, Ordering::Release);
            }
            Err(e) => {
                *status.last_error.lock() = Some(e.to_string());
                tracing::debug!(error = %e, "PostGIS not reachable; retrying");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

async fn catch_up(shared: &Shared, client: &tokio_postgres::Client, writer: &tokio::sync::Mutex<()>) -> Result<()> {
    let _writing = writer.lock().await;
    let records = tokio::time::timeout(
        postgis::TIMEOUT,
        postgis::events_after(client, shared.last_seq.load(Ordering::Acquire)),
    )
    .await
    .map_err(|_| postgis::unavailable("reading events timed out"))??;
    let applied = records.len();
    let last_at = records.last().and_then(|u| u.events.last()).map(|r| r.at);
    for unit in records {
        let seqs = unit.seqs();
        if let Err(e) = shared.apply(unit) {
            // An event another replica committed must apply here too; if it
            // does not, this replica's state is wrong and it says so loudly.
            tracing::error!(seqs = ?seqs, error = %e, "an event from another replica does not apply; this replica is out of step and should be restarted");
            return Err(e);
        }
    }
    if let Some(last_at) = last_at {
        // How long after it was committed elsewhere this replica applied it.
        let lag = (now() - last_at).num_milliseconds().max(0) as f64 / 1000.0;
        metrics::gauge!("lookout_follower_lag_seconds").set(lag);
    }
    if applied > 0 {
        tracing::debug!(applied, last = shared.last_seq.load(Ordering::Acquire), "caught up");
    }
    Ok(())
}
