//! The PostGIS store: one table per layer, the `events` log, migrations,
//! bulk import with binary COPY, streamed loading, and the tile path through
//! `ST_AsMVT`.
//!
//! Database work runs on a small Tokio runtime owned by [`Postgis`]; the
//! synchronous store calls into it from blocking threads, and async callers
//! (the HTTP server) await the tasks it spawns. Every call is bounded by
//! [`TIMEOUT`], so an unreachable database is a quick, clear error rather
//! than a hung request.

pub mod wkb;

use crate::auth::Users;
use crate::catalog::Dataset;
use crate::error::{Error, Result};
use crate::event::{EventRecord, Idempotency, Unit};
use crate::feature::{Feature, FeatureId};
use crate::generate::Progress;
use crate::ops::Operations;
use crate::record::{FieldType, Record};
use crate::row::{Cell, RecordText, Row};
use crate::store::journal::DatasetIdentity;
use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Timeouts};
use futures_util::{StreamExt, TryStreamExt, pin_mut};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{GenericClient, NoTls};

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "layers_and_events",
        include_str!("../../../migrations/0001_layers_and_events.sql"),
    ),
    (2, "incidents", include_str!("../../../migrations/0002_incidents.sql")),
    (
        3,
        "idempotency_keys",
        include_str!("../../../migrations/0003_idempotency_keys.sql"),
    ),
    (4, "users", include_str!("../../../migrations/0004_users.sql")),
    (5, "sensors", include_str!("../../../migrations/0005_sensors.sql")),
    (
        6,
        "sensitive_sites",
        include_str!("../../../migrations/0006_sensitive_sites.sql"),
    ),
    (7, "readings", include_str!("../../../migrations/0007_readings.sql")),
    (8, "blobs", include_str!("../../../migrations/0008_blobs.sql")),
];

/// The channel replicas listen on; the payload is the new event's `seq`.
pub const CHANNEL: &str = "lookout_events";

/// Longest any one database call may take before it counts as unreachable.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Advisory lock key taken by every writer (and by migrations), so events
/// commit in `seq` order: "lookout" in ASCII.
const WRITE_LOCK: i64 = 0x006c_6f6f_6b6f_7574;

/// A connection pool to one PostGIS database and the runtime that drives it.
pub struct Postgis {
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    config: tokio_postgres::Config,
    url: String,
}

impl std::fmt::Debug for Postgis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgis")
            .field("url", &redact(&self.url))
            .finish_non_exhaustive()
    }
}

impl Drop for Postgis {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `postgres://user:secret@host/db` without the secret, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub(crate) fn unavailable(e: impl std::fmt::Display) -> Error {
    Error::StoreUnavailable(format!("PostGIS: {e}"))
}

/// A `geometry` value as EWKB, in or out.
#[derive(Debug)]
pub(crate) struct Ewkb(pub Vec<u8>);

impl ToSql for Ewkb {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }

    to_sql_checked!();
}

/// A `geometry` read back into a `geo` geometry.
#[derive(Debug)]
pub(crate) struct GeometryValue(pub geo::Geometry<f64>);

impl<'a> FromSql<'a> for GeometryValue {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self(wkb::read(raw)?))
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }
}

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        fn checked<T: ToSql>(
            v: &T,
            ty: &Type,
            out: &mut BytesMut,
        ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            if !T::accepts(ty) {
                return Err(format!("a {} value cannot go in a {ty} column", std::any::type_name::<T>()).into());
            }
            v.to_sql(ty, out)
        }
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Text(s) => checked(s, ty, out),
            Self::Integer(i) => checked(i, ty, out),
            Self::Real(r) => checked(r, ty, out),
            Self::Boolean(b) => checked(b, ty, out),
            Self::Date(d) => checked(d, ty, out),
            Self::List(l) => checked(l, ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [
            Type::TEXT,
            Type::INT8,
            Type::FLOAT8,
            Type::BOOL,
            Type::DATE,
            Type::TEXT_ARRAY,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

fn cell_at(row: &tokio_postgres::Row, index: usize, ty: FieldType) -> std::result::Result<Cell, tokio_postgres::Error> {
    Ok(match ty {
        FieldType::Text | FieldType::Enum(_) => row.try_get::<_, Option<String>>(index)?.map(Cell::Text),
        FieldType::Integer => row.try_get::<_, Option<i64>>(index)?.map(Cell::Integer),
        FieldType::Real => row.try_get::<_, Option<f64>>(index)?.map(Cell::Real),
        FieldType::Boolean => row.try_get::<_, Option<bool>>(index)?.map(Cell::Boolean),
        FieldType::Date => row.try_get::<_, Option<chrono::NaiveDate>>(index)?.map(Cell::Date),
        FieldType::List => row.try_get::<_, Option<Vec<String>>>(index)?.map(Cell::List),
    }
    .unwrap_or(Cell::Null))
}

/// `id, geom, <fields...>, props`: the quoted columns of a layer's table, in row order.
fn columns(fields: &[crate::record::Field]) -> Vec<String> {
    let names = ["id", "geom"]
        .into_iter()
        .chain(fields.iter().map(|f| f.name))
        .chain(["props"]);
    names.map(|c| format!("\"{c}\"")).collect()
}

fn column_list<T: Record>() -> String {
    columns(T::FIELDS).join(", ")
}

/// The schema-qualified table of a collection.
pub fn table(collection: &str) -> String {
    format!("lookout.\"{collection}\"")
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// Features written per collection.
    pub counts: Vec<(&'static str, usize)>,
    /// Time spent.
    pub elapsed: Duration,
}

/// The state read from the database at start.
#[derive(Debug)]
pub struct Snapshot {
    /// Every layer as it is now.
    pub dataset: Dataset,
    /// Which dataset was imported.
    pub identity: DatasetIdentity,
    /// The last event the layers include.
    pub last_seq: u64,
    /// The operations (incidents, alarms, the ledger…) folded from the
    /// events up to `last_seq`.
    pub ops: crate::ops::Operations,
    /// The users, tokens and audit log folded from the same events.
    pub users: crate::auth::Users,
    /// The request keys stored up to `last_seq`.
    pub keys: Vec<(String, crate::store::keys::StoredKey)>,
}

impl Postgis {
    /// A pool to the database at `url` (no connection is made yet).
    pub fn new(url: &str) -> Result<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| Error::BadConfig(format!("PostGIS URL {}: {e}", redact(url))))?;
        config.connect_timeout(Duration::from_secs(3));
        config.keepalives_idle(Duration::from_secs(10));
        if config.get_application_name().is_none() {
            config.application_name("lookout");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lookout-postgis")
            .enable_all()
            .build()
            .map_err(|e| Error::BadConfig(format!("starting the PostGIS runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(8)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(TIMEOUT),
                create: Some(TIMEOUT),
                recycle: Some(TIMEOUT),
            })
            .build()
            .map_err(|e| Error::BadConfig(format!("PostGIS pool: {e}")))?;
        Ok(Self {
            runtime: Some(runtime),
            pool,
            config,
            url: url.to_owned(),
        })
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        // Set in `new`, taken only in `drop`.
        self.runtime
            .as_ref()
            .map(|r| r.handle())
            .expect("runtime lives as long as the store")
    }

    /// Runs `fut` on the store's runtime and waits for it, from a thread
    /// that is not itself running async code (a blocking or CLI thread).
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.handle().block_on(fut)
    }

    /// Runs `fut` on the store's runtime; await the handle from any runtime.
    pub fn spawn<F>(&self, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle().spawn(fut)
    }

    /// The connection settings (for a dedicated listening connection).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The pool, for async callers on the store's runtime.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The URL without its password.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }

    /// A pooled connection, or [`Error::StoreUnavailable`] within [`TIMEOUT`].
    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        get_client(&self.pool).await
    }

    /// Applies the migrations not applied yet, each in its own transaction;
    /// returns the names applied now.
    pub fn migrate(&self) -> Result<Vec<String>> {
        self.block_on(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            lock_writers(&tx).await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS public.lookout_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            )
            .await
            .map_err(sql_error)?;
            let done: Vec<i32> = tx
                .query("SELECT version FROM public.lookout_migrations", &[])
                .await
                .map_err(sql_error)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut applied = Vec::new();
            for (version, name, sql) in MIGRATIONS {
                if done.contains(version) {
                    continue;
                }
                tx.batch_execute(sql)
                    .await
                    .map_err(|e| Error::BadConfig(format!("migration {version} {name}: {}", describe(&e))))?;
                tx.execute(
                    "INSERT INTO public.lookout_migrations (version, name) VALUES ($1, $2)",
                    &[version, name],
                )
                .await
                .map_err(sql_error)?;
                applied.push(format!("{version:04}_{name}"));
            }
            tx.commit().await.map_err(unavailable)?;
            Ok(applied)
        })
    }

    /// Checks that every migration has been applied.
    pub async fn check_schema(&self) -> Result<()> {
        let client = self.client().await?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        let have: Option<i32> = client
            .query_one(
                "SELECT CASE WHEN to_regclass('public.lookout_migrations') IS NULL THEN NULL
                 ELSE (SELECT max(version) FROM public.lookout_migrations) END",
                &[],
            )
            .await
            .map_err(sql_error)?
            .get(0);
        match have {
            Some(v) if v >= latest => Ok(()),
            _ => Err(Error::BadConfig(format!(
                "the database {} is at schema version {} but Lookout needs {latest}: run `lookout db migrate --store …`",
                self.redacted_url(),
                have.unwrap_or(0)
            ))),
        }
    }

    /// Loads `dataset` into the layer tables with binary COPY, replacing what
    /// they held, in one transaction: a re-import gives the same tables, and
    /// a failed one leaves the old ones. The event log is kept (it is the
    /// audit trail); the import is noted in `meta`.
    pub fn import(
        &self,
        dataset: &Dataset,
        identity: DatasetIdentity,
        progress: &dyn Progress,
    ) -> Result<ImportReport> {
        let started = std::time::Instant::now();
        let total: usize = dataset.counts().iter().map(|(_, n)| n).sum();
        progress.stage("importing into PostGIS", total as u64);
        let counts = self.block_on(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            lock_writers(&tx).await?;
            let tables: Vec<String> = Dataset::LAYERS.iter().map(|l| table(l.id)).collect();
            tx.batch_execute(&format!("TRUNCATE {}", tables.join(", ")))
                .await
                .map_err(sql_error)?;
            // Indexes are built once after the load, not row by row.
            let indexes: Vec<(String, String)> = tx
                .query(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i
                     WHERE i.schemaname = 'lookout' AND i.tablename = ANY($1)
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    &[&Dataset::LAYERS.iter().map(|l| l.id).collect::<Vec<_>>()],
                )
                .await
                .map_err(sql_error)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            for (name, _) in &indexes {
                tx.batch_execute(&format!("DROP INDEX lookout.\"{name}\""))
                    .await
                    .map_err(sql_error)?;
            }
            let mut counts = Vec::new();
            macro_rules! copy_all {
                ($($name:ident: $ty:ty),+ $(,)?) => {$(
                    counts.push((<$ty as Record>::INFO.id, copy_layer(&tx, &dataset.$name, progress).await?));
                )+};
            }
            #[allow(unused_imports, reason = "the layer list names every record type")]
            use crate::model::*;
            crate::with_layers!(copy_all);
            for (_, def) in &indexes {
                tx.batch_execute(def).await.map_err(sql_error)?;
            }
            let last_seq: i64 = tx
                .query_one("SELECT coalesce(max(seq), 0) FROM lookout.events", &[])
                .await
                .map_err(sql_error)?
                .get(0);
            let meta = serde_json::json!({
                "seed": identity.seed,
                "scale": identity.scale,
                "generator_version": identity.generator_version,
                "region": identity.region,
                "base": identity.base,
                "imported_at": chrono::Utc::now(),
                "events_before_import": last_seq,
            });
            tx.execute(
                "INSERT INTO lookout.meta (key, value) VALUES ('dataset', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&meta],
            )
            .await
            .map_err(sql_error)?;
            tx.batch_execute(&format!("ANALYZE {}", tables.join(", ")))
                .await
                .map_err(sql_error)?;
            tx.commit().await.map_err(unavailable)?;
            Ok::<_, Error>(counts)
        })?;
        Ok(ImportReport {
            counts,
            elapsed: started.elapsed(),
        })
    }

    /// Reads every layer, streamed row by row, and the last event, all from
    /// one snapshot; layers are read in parallel over several connections.
    pub fn load(&self, progress: &dyn Progress) -> Result<Snapshot> {
        progress.stage("reading PostGIS", Dataset::LAYERS.len() as u64);
        self.block_on(async {
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(unavailable)?;
            let identity = read_identity(&*tx).await?;
            let last_seq: i64 = tx
                .query_one("SELECT coalesce(max(seq), 0) FROM lookout.events", &[])
                .await
                .map_err(sql_error)?
                .get(0);
            // Other connections read the same snapshot.
            let snapshot: String = tx
                .query_one("SELECT pg_export_snapshot()", &[])
                .await
                .map_err(sql_error)?
                .get(0);
            macro_rules! load_all {
                ($($name:ident: $ty:ty),+ $(,)?) => {{
                    let ($($name,)+) = tokio::join!($(self.spawn(read_layer::<$ty>(self.pool.clone(), snapshot.clone()))),+);
                    $(progress.advance(1); let $name = $name.map_err(|e| unavailable(format!("reader task: {e}")))??;)+
                    Dataset { $($name,)+ }
                }};
            }
            // The events and the request keys are read (and the events
            // parsed) on connections of their own while the layers are.
            let last = last_seq as u64;
            let folds = self.spawn(fold_upto(self.pool.clone(), snapshot.clone(), last));
            let keys = self.spawn(keys_upto(self.pool.clone(), snapshot.clone(), last));
            #[allow(unused_imports, reason = "the layer list names every record type")]
            use crate::model::*;
            let dataset = crate::with_layers!(load_all);
            let reader = |e: tokio::task::JoinError| unavailable(format!("reader task: {e}"));
            let (ops, users) = folds.await.map_err(reader)??;
            let keys = keys.await.map_err(reader)??;
            tx.commit().await.map_err(unavailable)?;
            Ok(Snapshot {
                dataset,
                identity,
                last_seq: last_seq as u64,
                ops,
                users,
                keys,
            })
        })
    }
}

pub(crate) async fn get_client(pool: &Pool) -> Result<deadpool_postgres::Object> {
    pool.get().await.map_err(|e| match e {
        deadpool_postgres::PoolError::Backend(e) => unavailable(describe(&e)),
        deadpool_postgres::PoolError::Timeout(_) => {
            unavailable(format!("no connection within {} s", TIMEOUT.as_secs()))
        }
        other => unavailable(other),
    })
}

/// The server's message, not just "db error".
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let source = std::error::Error::source(e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            format!("{e}{source}")
        }
    }
}

/// A failed statement: the database is unreachable, or it refused (a bug or
/// a schema out of step); either way the change was not made.
pub(crate) fn sql_error(e: tokio_postgres::Error) -> Error {
    if e.is_closed() || e.as_db_error().is_none() {
        unavailable(describe(&e))
    } else {
        Error::Database(describe(&e))
    }
}

async fn read_identity(client: &impl GenericClient) -> Result<DatasetIdentity> {
    let row = client
        .query_opt("SELECT value FROM lookout.meta WHERE key = 'dataset'", &[])
        .await
        .map_err(sql_error)?
        .ok_or_else(|| Error::BadConfig("the database holds no dataset yet: run `lookout import --store …`".into()))?;
    let value: serde_json::Value = row.get(0);
    let field = |k: &str| value.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let region = match value.get("region").and_then(serde_json::Value::as_str) {
        Some(id) => crate::store::journal::RegionId::try_from(id).map_err(Error::BadConfig)?,
        None => crate::store::journal::RegionId::BUILTIN,
    };
    Ok(DatasetIdentity {
        region,
        seed: field("seed"),
        scale: field("scale") as u32,
        generator_version: field("generator_version") as u32,
        base: field("base"),
    })
}

async fn copy_layer<T: Record>(
    tx: &tokio_postgres::Transaction<'_>,
    features: &[Feature<T>],
    progress: &dyn Progress,
) -> Result<usize> {
    let columns = column_list::<T>();
    let name = table(T::INFO.id);
    let types: Vec<Type> = tx
        .prepare(&format!("SELECT {columns} FROM {name} LIMIT 0"))
        .await
        .map_err(sql_error)?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sink = tx
        .copy_in(&format!("COPY {name} ({columns}) FROM STDIN (FORMAT binary)"))
        .await
        .map_err(sql_error)?;
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let mut geometry = Vec::new();
    for (n, feature) in features.iter().enumerate() {
        // Derived attributes (a hazard source's R and level) are stored as
        // the catalog computes them, so SQL and tiles from PostGIS agree.
        let mut feature = feature.clone();
        feature.properties.derive();
        let row = Row::of(&feature);
        geometry.clear();
        wkb::write(&row.geometry, &mut geometry);
        let id = id_param(row.id)?;
        let geom = Ewkb(std::mem::take(&mut geometry));
        let props = serde_json::Value::Object(row.rest);
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(types.len());
        values.push(&id);
        values.push(&geom);
        values.extend(row.cells.iter().map(|c| c as &(dyn ToSql + Sync)));
        values.push(&props);
        writer.as_mut().write(&values).await.map_err(sql_error)?;
        geometry = geom.0;
        if n % 10_000 == 9_999 {
            progress.advance(10_000);
        }
    }
    let written = writer.finish().await.map_err(sql_error)?;
    progress.advance((features.len() % 10_000) as u64);
    Ok(written as usize)
}

fn id_param(id: FeatureId) -> Result<i64> {
    i64::try_from(id).map_err(|_| Error::Database(format!("feature id {id} does not fit a bigint")))
}

/// A read-only transaction on `client` that sees the exported `snapshot`.
async fn in_snapshot<'c>(
    client: &'c mut deadpool_postgres::Object,
    snapshot: &str,
) -> Result<deadpool_postgres::Transaction<'c>> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(unavailable)?;
    tx.batch_execute(&format!("SET TRANSACTION SNAPSHOT '{snapshot}'"))
        .await
        .map_err(sql_error)?;
    Ok(tx)
}

async fn read_layer<T: Record>(pool: Pool, snapshot: String) -> Result<Vec<Feature<T>>> {
    let mut client = get_client(&pool).await?;
    let tx = in_snapshot(&mut client, &snapshot).await?;
    let name = table(T::INFO.id);
    let rows = tx
        .query_raw(
            &format!("SELECT {} FROM {name}", column_list::<T>()),
            std::iter::empty::<i64>(),
        )
        .await
        .map_err(sql_error)?;
    pin_mut!(rows);
    let mut features = Vec::new();
    let mut text = RecordText::default();
    while let Some(row) = rows.try_next().await.map_err(sql_error)? {
        features.push(feature_of::<T>(&row, &mut text).map_err(|reason| Error::Database(format!("{name}: {reason}")))?);
    }
    tx.commit().await.map_err(unavailable)?;
    features.sort_unstable_by_key(|f| f.id);
    Ok(features)
}

/// The feature of a layer's row: read in one pass ([`RecordText`]), or, when
/// that fails, the general way, which also says why the row is not a `T`.
fn feature_of<T: Record>(row: &tokio_postgres::Row, text: &mut RecordText) -> std::result::Result<Feature<T>, String> {
    let id: i64 = row.try_get(0).map_err(|e| e.to_string())?;
    let GeometryValue(geometry) = row.try_get(1).map_err(|e| format!("feature {id}: {e}"))?;
    match record_text(row, text) {
        Ok(properties) => Ok(Feature {
            id: id as FeatureId,
            geometry,
            properties,
        }),
        Err(_) => feature_of_row(row, id, geometry),
    }
}

/// The record of a row without a `serde_json::Value`: the `props` text with the typed cells written in.
fn record_text<T: Record>(row: &tokio_postgres::Row, text: &mut RecordText) -> std::result::Result<T, String> {
    let e = |e: tokio_postgres::Error| e.to_string();
    let JsonText(props) = row.try_get(T::FIELDS.len() + 2).map_err(e)?;
    if !text.begin(props) {
        return Err("props is not a JSON object".into());
    }
    for (i, f) in T::FIELDS.iter().enumerate() {
        let at = i + 2;
        match f.ty {
            FieldType::Text | FieldType::Enum(_) => text.text(f.name, row.try_get(at).map_err(e)?),
            FieldType::Integer => text.integer(f.name, row.try_get(at).map_err(e)?),
            FieldType::Real => text.real(f.name, row.try_get(at).map_err(e)?),
            FieldType::Boolean => text.boolean(f.name, row.try_get(at).map_err(e)?),
            FieldType::Date => text.date(f.name, row.try_get(at).map_err(e)?),
            FieldType::List => text.list(f.name, row.try_get::<_, Option<Vec<&str>>>(at).map_err(e)?),
        }
    }
    text.read()
}

fn feature_of_row<T: Record>(
    row: &tokio_postgres::Row,
    id: i64,
    geometry: geo::Geometry<f64>,
) -> std::result::Result<Feature<T>, String> {
    let cells = T::FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| cell_at(row, i + 2, f.ty))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("feature {id}: {e}"))?;
    let props: serde_json::Value = row.try_get(T::FIELDS.len() + 2).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(rest) = props else {
        return Err(format!("feature {id}: props is not a JSON object"));
    };
    Row {
        id: id as FeatureId,
        geometry,
        cells,
        rest,
    }
    .into_feature()
}

/// Writes the row a change leaves (or deletes it) inside the writer's transaction.
pub(crate) async fn write_row(
    tx: &tokio_postgres::Transaction<'_>,
    collection: &str,
    fields: &[crate::record::Field],
    id: FeatureId,
    row: Option<Row>,
) -> Result<()> {
    let name = table(collection);
    let id = id_param(id)?;
    let Some(row) = row else {
        tx.execute(&format!("DELETE FROM {name} WHERE id = $1"), &[&id])
            .await
            .map_err(sql_error)?;
        return Ok(());
    };
    let sql = upsert_sql(collection, fields);
    let mut geometry = Vec::new();
    wkb::write(&row.geometry, &mut geometry);
    let geom = Ewkb(geometry);
    let props = serde_json::Value::Object(row.rest);
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![&id, &geom];
    values.extend(row.cells.iter().map(|c| c as &(dyn ToSql + Sync)));
    values.push(&props);
    tx.execute(&sql, &values).await.map_err(sql_error)?;
    Ok(())
}

/// `INSERT … ON CONFLICT (id) DO UPDATE` of a whole row of `collection`.
fn upsert_sql(collection: &str, fields: &[crate::record::Field]) -> String {
    let cols = columns(fields);
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = cols[1..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
        table(collection),
        cols.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

const INSERT_EVENT: &str = "INSERT INTO lookout.events (seq, at, actor, kind, collection, feature_id, payload, idempotency_key, request_hash, token)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// A statement of a batch that failed, and whether it failed only because
/// an earlier statement of the transaction had (SQLSTATE 25P02).
#[derive(Debug)]
pub(crate) struct Failed {
    /// Only the echo of an earlier failure.
    pub aborted: bool,
    /// What to answer.
    pub error: Error,
}

impl From<tokio_postgres::Error> for Failed {
    fn from(e: tokio_postgres::Error) -> Self {
        Self {
            aborted: e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION),
            error: sql_error(e),
        }
    }
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Self { aborted: false, error }
    }
}

/// [`write_row`] with the statement prepared once per connection (a batch
/// issues these concurrently: tokio-postgres pipelines them).
pub(crate) async fn write_row_cached(
    tx: &deadpool_postgres::Transaction<'_>,
    collection: &str,
    fields: &[crate::record::Field],
    id: FeatureId,
    row: Option<&Row>,
) -> std::result::Result<(), Failed> {
    let id = id_param(id)?;
    let Some(row) = row else {
        let statement = tx
            .prepare_cached(&format!("DELETE FROM {} WHERE id = $1", table(collection)))
            .await?;
        tx.execute(&statement, &[&id]).await?;
        return Ok(());
    };
    let statement = tx.prepare_cached(&upsert_sql(collection, fields)).await?;
    let mut geometry = Vec::new();
    wkb::write(&row.geometry, &mut geometry);
    let geom = Ewkb(geometry);
    let props = serde_json::Value::Object(row.rest.clone());
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![&id, &geom];
    values.extend(row.cells.iter().map(|c| c as &(dyn ToSql + Sync)));
    values.push(&props);
    tx.execute(&statement, &values).await?;
    Ok(())
}

/// Appends `record` to the event log with its request's key, the statement
/// prepared once per connection; no `NOTIFY` (a batch sends one: [`notify`]).
pub(crate) async fn insert_event_cached(
    tx: &deadpool_postgres::Transaction<'_>,
    record: &EventRecord,
    key: Option<&Idempotency>,
) -> std::result::Result<(), Failed> {
    let kind = record.event.kind();
    let feature_id = record.event.feature_id().map(id_param).transpose()?;
    let payload = serde_json::to_value(&record.event).map_err(|e| Error::Database(e.to_string()))?;
    let seq = record.seq as i64;
    let statement = tx.prepare_cached(INSERT_EVENT).await?;
    tx.execute(
        &statement,
        &[
            &seq,
            &record.at,
            &record.actor,
            &kind,
            &record.event.collection(),
            &feature_id,
            &payload,
            &key.map(|k| k.key.as_str()),
            &key.map(|k| k.request.as_str()),
            &record.token,
        ],
    )
    .await?;
    if record.event.is_auth() {
        project_auth(tx, record).await?;
    }
    Ok(())
}

/// Tells the other replicas that events up to `seq` are committed (sent at COMMIT).
pub(crate) async fn notify(tx: &deadpool_postgres::Transaction<'_>, seq: u64) -> std::result::Result<(), Failed> {
    let statement = tx.prepare_cached("SELECT pg_notify($1, $2)").await?;
    tx.execute(&statement, &[&CHANNEL, &seq.to_string()]).await?;
    Ok(())
}

/// Takes the writers' lock for the rest of the transaction.
pub(crate) async fn lock_writers(tx: &tokio_postgres::Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .await
        .map_err(sql_error)?;
    Ok(())
}

/// Appends `record` to the event log, with the key of the request that made
/// it, and tells the other replicas.
pub(crate) async fn append_event(
    tx: &tokio_postgres::Transaction<'_>,
    record: &EventRecord,
    key: Option<&Idempotency>,
) -> Result<()> {
    let kind = record.event.kind();
    let feature_id = record.event.feature_id().map(id_param).transpose()?;
    let payload = serde_json::to_value(&record.event).map_err(|e| Error::Database(e.to_string()))?;
    let seq = record.seq as i64;
    tx.execute(
        INSERT_EVENT,
        &[
            &seq,
            &record.at,
            &record.actor,
            &kind,
            &record.event.collection(),
            &feature_id,
            &payload,
            &key.map(|k| k.key.as_str()),
            &key.map(|k| k.request.as_str()),
            &record.token,
        ],
    )
    .await
    .map_err(sql_error)?;
    if record.event.is_auth() {
        project_auth(tx, record).await?;
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])
        .await
        .map_err(sql_error)?;
    Ok(())
}

/// Writes the `users`/`tokens` projection of an auth event, in the
/// transaction that appends it.
async fn project_auth(tx: &tokio_postgres::Transaction<'_>, record: &EventRecord) -> Result<()> {
    use crate::event::Event;
    let json = |v: &Option<crate::scope::ScopeSpec>| serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    let seq = record.seq as i64;
    let result = match &record.event {
        Event::UserCreated {
            username,
            role,
            scope,
            password_hash,
            ..
        } => {
            tx.execute(
                "INSERT INTO lookout.users (username, role, scope, password_hash, created_at, updated_seq)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[username, &role.as_str(), &json(scope), password_hash, &record.at, &seq],
            )
            .await
        }
        Event::UserUpdated {
            username,
            role,
            scope,
            disabled,
            password_hash,
            ..
        } => {
            tx.execute(
                "UPDATE lookout.users SET role = $2, scope = $3, disabled = $4,
                 password_hash = coalesce($5, password_hash), updated_seq = $6 WHERE username = $1",
                &[username, &role.as_str(), &json(scope), disabled, password_hash, &seq],
            )
            .await
        }
        Event::UserDisabled { username } => {
            tx.execute(
                "UPDATE lookout.users SET disabled = true, updated_seq = $2 WHERE username = $1",
                &[username, &seq],
            )
            .await
        }
        Event::TokenCreated {
            id,
            name,
            role,
            scope,
            hash,
        } => {
            tx.execute(
                "INSERT INTO lookout.tokens (id, name, role, scope, hash, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[id, name, &role.as_str(), &json(scope), hash, &record.actor, &record.at],
            )
            .await
        }
        Event::TokenRevoked { id } => {
            tx.execute("UPDATE lookout.tokens SET revoked = true WHERE id = $1", &[id])
                .await
        }
        Event::TokenUsed { id } => {
            tx.execute(
                "UPDATE lookout.tokens SET last_used = $2 WHERE id = $1",
                &[id, &record.at],
            )
            .await
        }
        _ => return Ok(()),
    };
    result.map(drop).map_err(sql_error)
}

/// Every user, token and sign-in event, in order (for the command line).
pub(crate) async fn auth_events(client: &impl GenericClient) -> Result<Vec<EventRecord>> {
    let kinds: Vec<&str> = vec![
        "user_created",
        "user_updated",
        "user_disabled",
        "token_created",
        "token_revoked",
        "token_used",
        "signed_in",
        "sign_in_failed",
        "signed_out",
    ];
    let rows = client
        .query(
            "SELECT seq, at, actor, payload, token FROM lookout.events WHERE kind = ANY($1) ORDER BY seq",
            &[&kinds],
        )
        .await
        .map_err(sql_error)?;
    rows.iter().map(record_of).collect()
}

/// The operations events (incidents, units, notes, injects) up to `seq`, in
/// order: what a replica folds at start-up, beside the tables' snapshot.
/// Every event up to `seq`, in order, as the exported `snapshot` sees them,
/// folded into the operations and the users (and audit log): streamed, each
/// parsed and folded as it arrives, while the layers load. A feature change
/// comes without its feature (the tables hold the features): only what the
/// audit shows of it, its collection and id.
pub(crate) async fn fold_upto(pool: Pool, snapshot: String, seq: u64) -> Result<(Operations, Users)> {
    let mut client = get_client(&pool).await?;
    let tx = in_snapshot(&mut client, &snapshot).await?;
    let rows = tx
        .query_raw(
            "SELECT seq, at, actor,
                    CASE kind
                      WHEN 'feature_created' THEN jsonb_build_object('type', kind, 'collection', payload->'collection',
                                                   'feature', jsonb_build_object('id', payload->'feature'->'id'))
                      WHEN 'feature_replaced' THEN jsonb_build_object('type', kind, 'collection', payload->'collection',
                                                   'id', payload->'id', 'feature', '{}'::jsonb)
                      WHEN 'feature_updated' THEN jsonb_build_object('type', kind, 'collection', payload->'collection',
                                                   'id', payload->'id')
                      WHEN 'feature_deleted' THEN jsonb_build_object('type', kind, 'collection', payload->'collection',
                                                   'id', payload->'id')
                      ELSE payload
                    END,
                    token
               FROM lookout.events WHERE seq <= $1 ORDER BY seq",
            [seq as i64],
        )
        .await
        .map_err(sql_error)?;
    pin_mut!(rows);
    // Rows go in batches to a thread that parses each batch on several
    // threads and folds it in order as it is parsed, while the next batch
    // streams in (a million history events: seconds of parsing and folding).
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<tokio_postgres::Row>>(4);
    let folder = tokio::task::spawn_blocking(move || {
        let mut ops = Operations::default();
        let mut users = Users::default();
        while let Some(rows) = receive.blocking_recv() {
            crate::parallel::par_each(&rows, crate::parallel::threads(), record_of, |record| {
                let record = Arc::new(record?);
                users.apply_shared(&record);
                if !record.event.is_auth() && !record.event.is_feature_change() {
                    ops.apply(record);
                }
                Ok(())
            })?;
        }
        Ok::<_, Error>((ops, users))
    });
    let mut batch = Vec::with_capacity(FOLD_BATCH);
    while let Some(row) = rows.try_next().await.map_err(sql_error)? {
        batch.push(row);
        if batch.len() == FOLD_BATCH
            && send
                .send(std::mem::replace(&mut batch, Vec::with_capacity(FOLD_BATCH)))
                .await
                .is_err()
        {
            break; // the fold stopped at a bad event: its error is below
        }
    }
    if !batch.is_empty() {
        let _ = send.send(batch).await;
    }
    drop(send);
    let folded = folder
        .await
        .map_err(|e| unavailable(format!("the events' fold: {e}")))??;
    tx.commit().await.map_err(unavailable)?;
    Ok(folded)
}

/// Events parsed together, on several threads, at start-up.
const FOLD_BATCH: usize = 8_192;

/// A `jsonb` (or `json`) value as its JSON text, read into a type without
/// a `serde_json::Value` in between.
#[derive(Debug)]
pub(crate) struct JsonText<'a>(pub &'a [u8]);

impl<'a> FromSql<'a> for JsonText<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        if *ty == Type::JSONB {
            // jsonb's binary form: a version byte (1), then the JSON text.
            match raw.split_first() {
                Some((1, text)) => Ok(Self(text)),
                _ => Err("a jsonb value of an unknown version".into()),
            }
        } else {
            Ok(Self(raw))
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }
}

fn record_of(r: &tokio_postgres::Row) -> Result<EventRecord> {
    let seq: i64 = r.get(0);
    let payload: JsonText<'_> = r.get(3);
    Ok(EventRecord {
        seq: seq as u64,
        at: r.get(1),
        actor: r.get(2),
        token: r.get("token"),
        event: serde_json::from_slice(payload.0)
            .map_err(|e| Error::Database(format!("event {seq} cannot be read: {e}")))?,
    })
}

/// The events after `seq`, in order, as the units they were stored in: the
/// events of one request share its key (those without a key are one each).
pub(crate) async fn events_after(client: &impl GenericClient, seq: u64) -> Result<Vec<Unit>> {
    let rows = client
        .query(
            "SELECT seq, at, actor, payload, idempotency_key, request_hash, token FROM lookout.events WHERE seq > $1 ORDER BY seq",
            &[&(seq as i64)],
        )
        .await
        .map_err(sql_error)?;
    let mut units: Vec<Unit> = Vec::new();
    for row in &rows {
        let record = record_of(row)?;
        let key: Option<String> = row.get(4);
        let idempotency = key.map(|key| Idempotency {
            key,
            request: row.get::<_, Option<String>>(5).unwrap_or_default(),
        });
        match units.last_mut() {
            Some(unit) if idempotency.is_some() && unit.idempotency == idempotency => unit.events.push(record),
            _ => units.push(Unit {
                events: vec![record],
                idempotency,
            }),
        }
    }
    Ok(units)
}

/// Every request key stored up to `seq`, with what its request stored, as
/// the exported `snapshot` sees them. The kind, collection and feature are
/// the key's first event's, looked up by its `seq` (aggregating them in
/// arrays took seconds for a key of a million events: the generated history).
pub(crate) async fn keys_upto(
    pool: Pool,
    snapshot: String,
    seq: u64,
) -> Result<Vec<(String, crate::store::keys::StoredKey)>> {
    let mut client = get_client(&pool).await?;
    let tx = in_snapshot(&mut client, &snapshot).await?;
    let rows = tx
        .query(
            "WITH k AS (
               SELECT idempotency_key, min(request_hash) AS request, min(seq) AS first, max(seq) AS last
                 FROM lookout.events WHERE seq <= $1 AND idempotency_key IS NOT NULL GROUP BY idempotency_key)
             SELECT k.idempotency_key, k.request, k.first, k.last, e.kind, e.collection, e.feature_id
               FROM k JOIN lookout.events e ON e.seq = k.first",
            &[&(seq as i64)],
        )
        .await
        .map_err(sql_error)?;
    tx.commit().await.map_err(unavailable)?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get::<_, String>(0),
                crate::store::keys::StoredKey {
                    request: r.get::<_, Option<String>>(1).unwrap_or_default(),
                    first_seq: r.get::<_, i64>(2) as u64,
                    last_seq: r.get::<_, i64>(3) as u64,
                    kind: r.get(4),
                    collection: r.get(5),
                    feature: r.get::<_, Option<i64>>(6).map(|f| f as u64),
                },
            )
        })
        .collect())
}

/// A connection that has run `LISTEN` on [`CHANNEL`], and its notifications
/// (the channel closes when the connection is lost).
pub(crate) async fn listen(
    config: &tokio_postgres::Config,
) -> Result<(tokio_postgres::Client, tokio::sync::mpsc::UnboundedReceiver<u64>)> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| unavailable(describe(&e)))?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().parse().unwrap_or(0)).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %describe(&e), "PostGIS listening connection lost");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| unavailable(describe(&e)))?;
    Ok((client, rx))
}

/// One vector tile of `collection` made by PostGIS itself (`ST_AsMVT` over
/// `ST_TileEnvelope`), with `columns` (and their types) as attributes, extent 4096 and a
/// 64-unit buffer, features clipped; `None` when empty.
pub async fn st_asmvt(
    pool: Pool,
    collection: String,
    columns: Vec<(&'static str, FieldType)>,
    z: u32,
    x: u32,
    y: u32,
) -> Result<Vec<u8>> {
    let client = get_client(&pool).await?;
    let name = table(&collection);
    // Lists go in tiles as comma-joined text, as Lookout's own tiles carry them.
    let attrs: String = columns
        .iter()
        .map(|(c, ty)| match ty {
            FieldType::List => format!(", array_to_string(t.\"{c}\", ',') AS \"{c}\""),
            _ => format!(", t.\"{c}\""),
        })
        .collect();
    let sql = format!(
        "WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
                           ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS area)
         SELECT ST_AsMVT(q, $4, 4096, 'geom', 'id') FROM (
             SELECT t.id, ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.env, 4096, 64, true) AS geom{attrs}
             FROM {name} t, b WHERE t.geom && b.area
         ) q WHERE q.geom IS NOT NULL"
    );
    let (z, x, y) = (z as i32, x as i32, y as i32);
    let row = tokio::time::timeout(TIMEOUT, client.query_one(&sql, &[&z, &x, &y, &collection]))
        .await
        .map_err(|_| unavailable(format!("ST_AsMVT took over {} s", TIMEOUT.as_secs())))?
        .map_err(sql_error)?;
    Ok(row.get::<_, Option<Vec<u8>>>(0).unwrap_or_default())
}
