//! Readings in PostGIS (`lookout.readings`, migration 0007): one partition
//! per UTC day of the reading's time, made when its first reading comes and
//! dropped whole when the day is past the retention. Every replica writes
//! and reads the same table, so a series is the same whichever replica
//! answers. A batch is one binary `COPY` per day, committed before it is
//! acknowledged (the database's durability instead of the segment's fsync).

use super::{MAX_CHANNELS, Reading};
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::store::Store;
use crate::store::postgis::{get_client, sql_error};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::{TryStreamExt, pin_mut};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

/// The readings table of a PostGIS store.
#[derive(Debug)]
pub struct PgReadings {
    store: Arc<Store>,
    /// Days whose partition is known to exist.
    made: Mutex<HashSet<NaiveDate>>,
}

/// The partition of `day`: `lookout.readings_YYYYMMDD`.
pub fn partition(day: NaiveDate) -> String {
    format!("lookout.readings_{}", day.format("%Y%m%d"))
}

/// The day a partition's name stands for, if it is one of ours.
fn day_of(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("readings_")?;
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

impl PgReadings {
    /// Over `store`, which must be a PostGIS store.
    pub fn new(store: Arc<Store>) -> Result<Self> {
        if store.postgis().is_none() {
            return Err(Error::BadConfig("PostGIS readings need a PostGIS store".into()));
        }
        Ok(Self {
            store,
            made: Mutex::new(HashSet::new()),
        })
    }

    fn block_on<F: std::future::Future>(&self, fut: F) -> F::Output {
        // `new` checked that the store is PostGIS; it never changes kind.
        self.store.postgis().expect("a PostGIS store").block_on(fut)
    }

    fn pool(&self) -> &deadpool_postgres::Pool {
        self.store.postgis().expect("a PostGIS store").pool()
    }

    /// Makes the partitions of `days` that are not known to exist. Two
    /// replicas may race to make the same one: the loser's "already exists"
    /// is success.
    async fn make_partitions(&self, days: &[NaiveDate]) -> Result<()> {
        let missing: Vec<NaiveDate> = {
            let made = self.made.lock();
            days.iter().copied().filter(|d| !made.contains(d)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let client = get_client(self.pool()).await?;
        for day in missing {
            let next = day
                .succ_opt()
                .ok_or_else(|| Error::InvalidRequest(format!("no day after {day}")))?;
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF lookout.readings FOR VALUES FROM ('{day}') TO ('{next}')",
                partition(day)
            );
            match client.batch_execute(&sql).await {
                Ok(()) => {}
                // 42P07 duplicate_table, 23505 unique_violation (pg_type): another replica made it
                Err(e)
                    if e.code().is_some_and(|c| {
                        c == &tokio_postgres::error::SqlState::DUPLICATE_TABLE
                            || c == &tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                    }) => {}
                Err(e) => return Err(sql_error(e)),
            }
            self.made.lock().insert(day);
        }
        Ok(())
    }

    /// Stores a checked batch: one transaction, a binary `COPY` into the
    /// parent table (PostgreSQL routes each row to its day's partition).
    pub fn append(&self, batch: &[Reading]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut days: Vec<NaiveDate> = batch.iter().map(|r| r.at().date_naive()).collect();
        days.sort_unstable();
        days.dedup();
        self.block_on(async {
            self.make_partitions(&days).await?;
            let mut client = get_client(self.pool()).await?;
            let tx = client.transaction().await.map_err(sql_error)?;
            let sink = tx
                .copy_in("COPY lookout.readings (sensor, at, drill, vals) FROM STDIN (FORMAT binary)")
                .await
                .map_err(sql_error)?;
            let writer =
                BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TIMESTAMPTZ, Type::BOOL, Type::FLOAT8_ARRAY]);
            pin_mut!(writer);
            for r in batch {
                let sensor = i64::try_from(r.sensor)
                    .map_err(|_| Error::InvalidRequest(format!("sensor id {} is too large", r.sensor)))?;
                let at = r.at();
                let vals = r.values().to_vec();
                let row: [&(dyn ToSql + Sync); 4] = [&sensor, &at, &r.drill, &vals];
                writer.as_mut().write(&row).await.map_err(sql_error)?;
            }
            writer.finish().await.map_err(sql_error)?;
            tx.commit().await.map_err(sql_error)
        })
    }

    /// The latest real reading of each sensor since `since`.
    pub fn latest_since(&self, since: DateTime<Utc>) -> Result<Vec<Reading>> {
        self.block_on(async {
            let client = get_client(self.pool()).await?;
            let rows = client
                .query(
                    "SELECT DISTINCT ON (sensor) sensor, at, vals FROM lookout.readings \
                     WHERE at >= $1 AND NOT drill ORDER BY sensor, at DESC",
                    &[&since],
                )
                .await
                .map_err(sql_error)?;
            rows.iter()
                .map(|row| reading(row.get(0), row.get(1), row.get(2), false))
                .collect()
        })
    }

    /// A sensor's readings in `[from, to)`, oldest first, at most `limit`.
    pub fn between(
        &self,
        sensor: FeatureId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        drill: bool,
        limit: usize,
    ) -> Result<Vec<Reading>> {
        let id = i64::try_from(sensor).map_err(|_| Error::InvalidRequest(format!("no sensor {sensor}")))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.block_on(async {
            let client = get_client(self.pool()).await?;
            let rows = client
                .query_raw(
                    "SELECT sensor, at, vals FROM lookout.readings \
                     WHERE sensor = $1 AND drill = $2 AND at >= $3 AND at < $4 ORDER BY at LIMIT $5",
                    [&id as &(dyn ToSql + Sync), &drill, &from, &to, &limit],
                )
                .await
                .map_err(sql_error)?;
            pin_mut!(rows);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await.map_err(sql_error)? {
                out.push(reading(row.get(0), row.get(1), row.get(2), drill)?);
            }
            Ok(out)
        })
    }

    /// Drops every partition whose whole day is before `oldest`; returns how many.
    pub fn drop_before(&self, oldest: NaiveDate) -> Result<usize> {
        self.block_on(async {
            let client = get_client(self.pool()).await?;
            let names: Vec<String> = client
                .query(
                    "SELECT c.relname FROM pg_inherits i \
                     JOIN pg_class c ON c.oid = i.inhrelid \
                     JOIN pg_class p ON p.oid = i.inhparent \
                     JOIN pg_namespace n ON n.oid = p.relnamespace \
                     WHERE n.nspname = 'lookout' AND p.relname = 'readings'",
                    &[],
                )
                .await
                .map_err(sql_error)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let old: BTreeMap<NaiveDate, String> = names
                .into_iter()
                .filter_map(|n| day_of(&n).map(|d| (d, n)))
                .filter(|(d, _)| *d < oldest)
                .collect();
            for day in old.keys() {
                // IF EXISTS: another replica may have dropped it first
                client
                    .batch_execute(&format!("DROP TABLE IF EXISTS {}", partition(*day)))
                    .await
                    .map_err(sql_error)?;
                self.made.lock().remove(day);
            }
            Ok(old.len())
        })
    }
}

fn reading(sensor: i64, at: DateTime<Utc>, vals: Vec<f64>, drill: bool) -> Result<Reading> {
    if vals.is_empty() || vals.len() > MAX_CHANNELS {
        return Err(Error::Database(format!(
            "a reading of sensor {sensor} has {} channels",
            vals.len()
        )));
    }
    let mut values = [0.0; MAX_CHANNELS];
    values[..vals.len()].copy_from_slice(&vals);
    Ok(Reading {
        sensor: FeatureId::try_from(sensor).map_err(|_| Error::Database(format!("sensor id {sensor}")))?,
        at_ms: at.timestamp_millis(),
        channels: vals.len() as u8,
        values,
        drill,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_named_by_their_day_and_read_back() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(partition(day), "lookout.readings_20261130");
        assert_eq!(day_of("readings_20261130"), Some(day));
        assert_eq!(day_of("readings_sensor_at"), None);
        assert_eq!(day_of("sensors"), None);
    }
}
