//! Fuzzing the journal reader (`store::journal`): a journal of whole units is
//! damaged (cut, a byte changed, bytes overwritten, inserted or appended)
//! and opened again. Opening never panics; it either fails with
//! `CorruptJournal` and leaves the file as it was, or it succeeds with every
//! unit that lay wholly before the damage, exactly as written, and nothing
//! from the damaged part; the journal then takes a new unit. Arbitrary bytes
//! and well-framed near-valid records after a good header are refused or
//! read, never a panic.

mod fuzzing;

use fuzzing::{fail, fuzz};
use lookout_layers::Error;
use lookout_layers::Unit;
use lookout_layers::store::journal::{DatasetIdentity, Journal};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use std::path::Path;

const FILE_SHARE: f64 = 1.0 / 3.0;

fn identity() -> DatasetIdentity {
    DatasetIdentity::generated(1, 1, 1)
}

fn event(n: u64, note: &str) -> Value {
    match n % 3 {
        0 => json!({"type": "feature_deleted", "collection": "enterprises", "id": n}),
        1 => json!({"type": "feature_updated", "collection": "shelters", "id": n, "properties": {"name": note}}),
        _ => json!({"type": "incident_closed", "incident": n, "drill": false, "reason": note}),
    }
}

/// Units of 1 to 3 events numbered from 1, with notes of the given lengths.
fn units(shape: &[(usize, usize)]) -> Vec<Unit> {
    let mut seq = 0;
    shape
        .iter()
        .map(|&(events, note)| {
            let events: Vec<Value> = (0..events)
                .map(|_| {
                    seq += 1;
                    json!({"seq": seq, "at": "2026-01-01T00:00:00Z", "actor": "fuzz", "event": event(seq, &"記".repeat(note))})
                })
                .collect();
            serde_json::from_value(json!({ "events": events })).expect("unit")
        })
        .collect()
}

/// Writes `units` as a journal; answers the file and where each record ends
/// (the header first).
fn write(path: &Path, units: &[Unit]) -> (Vec<u8>, Vec<usize>) {
    let mut opened = Journal::open(path, identity()).expect("new journal");
    let mut ends = vec![file_len(path)];
    for unit in units {
        opened.journal.append_unit(unit).expect("append");
        ends.push(file_len(path));
    }
    (std::fs::read(path).expect("read"), ends)
}

fn file_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

#[derive(Debug, Clone)]
enum Damage {
    Cut(Index),
    Change(Index, u8),
    Overwrite(Index, Vec<u8>),
    Insert(Index, Vec<u8>),
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let bytes = || {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 1..40),
            prop::collection::vec(Just(0u8), 1..40),
        ]
    };
    prop_oneof![
        any::<Index>().prop_map(Damage::Cut),
        (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Damage::Change(i, x)),
        (any::<Index>(), bytes()).prop_map(|(i, b)| Damage::Overwrite(i, b)),
        (any::<Index>(), bytes()).prop_map(|(i, b)| Damage::Insert(i, b)),
        bytes().prop_map(Damage::Append),
    ]
}

fn apply(bytes: &[u8], damage: &Damage) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match damage {
        Damage::Cut(i) => out.truncate(i.index(bytes.len())),
        Damage::Change(i, x) => out[i.index(bytes.len())] ^= x,
        Damage::Overwrite(i, b) => {
            let at = i.index(bytes.len());
            for (k, v) in b.iter().enumerate() {
                match out.get_mut(at + k) {
                    Some(slot) => *slot = *v,
                    None => out.push(*v),
                }
            }
        }
        Damage::Insert(i, b) => {
            let at = i.index(bytes.len());
            out.splice(at..at, b.iter().copied());
        }
        Damage::Append(b) => out.extend_from_slice(b),
    }
    out
}

/// The first byte where `damaged` differs from `original` (its length if neither differs).
fn first_difference(original: &[u8], damaged: &[u8]) -> usize {
    original
        .iter()
        .zip(damaged)
        .position(|(a, b)| a != b)
        .unwrap_or(original.len().min(damaged.len()))
}

#[test]
fn a_damaged_journal_keeps_every_unit_before_the_damage_and_takes_none_after() {
    let shape = prop::collection::vec((1..=3usize, 0..200usize), 1..8);
    fuzz(
        "journal_damage",
        FILE_SHARE * 2.0,
        (shape, damage()),
        |(shape, damage)| {
            let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
            let path = dir.path().join("journal.lkj");
            let written = units(&shape);
            let (original, ends) = write(&path, &written);
            let damaged = apply(&original, &damage);
            std::fs::write(&path, &damaged).map_err(|e| fail(e.to_string()))?;
            let at = first_difference(&original, &damaged);
            let unchanged = damaged == original;
            // Units (after the header, ends[0]) whose record ends at or before the damage.
            let whole = if unchanged {
                written.len()
            } else {
                ends[1..].iter().filter(|&&end| end <= at).count()
            };
            match Journal::open(&path, identity()) {
                Ok(mut opened) => {
                    if opened.units.len() != whole || opened.units[..] != written[..whole] {
                        return Err(fail(format!(
                            "damage at byte {at}: read {} units, {whole} lay wholly before it",
                            opened.units.len()
                        )));
                    }
                    if let Some(torn) = &opened.torn {
                        let kept = torn.offset as usize;
                        let saved = std::fs::read(&torn.saved_to).map_err(|e| fail(e.to_string()))?;
                        if saved != damaged[kept..] {
                            return Err(fail("the torn tail was not set aside as it was"));
                        }
                    }
                    let seq = written[..whole].iter().map(|u| u.events.len()).sum::<usize>() + 1;
                    let next: Unit = serde_json::from_value(json!({"events": [
                        {"seq": seq, "at": "2026-01-02T00:00:00Z", "actor": "fuzz", "event": event(seq as u64, "after")}
                    ]}))
                    .map_err(|e| fail(e.to_string()))?;
                    opened.journal.append_unit(&next).map_err(|e| fail(e.to_string()))?;
                    drop(opened);
                    let again =
                        Journal::open(&path, identity()).map_err(|e| fail(format!("reopen after append: {e}")))?;
                    if again.units.len() != whole + 1 || again.units.last() != Some(&next) {
                        return Err(fail("the unit appended after the damage did not read back"));
                    }
                }
                Err(Error::CorruptJournal { .. }) => {
                    if unchanged {
                        return Err(fail("an undamaged journal was refused"));
                    }
                    let now = std::fs::read(&path).map_err(|e| fail(e.to_string()))?;
                    if now != damaged {
                        return Err(fail("a refused journal was changed"));
                    }
                }
                Err(other) => return Err(fail(format!("not a clean refusal: {other}"))),
            }
            Ok(())
        },
    );
}

/// A frame (length, CRC-32, payload) as the journal writes it.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "feature_deleted",
            "incident_opened",
            "unit_dispatched",
            "enterprises",
            "Feature"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A written unit with one value replaced by an arbitrary one (by a walk of
/// indices through the JSON tree).
fn near_valid_unit() -> impl Strategy<Value = Vec<u8>> {
    (1..=3usize, prop::collection::vec(any::<Index>(), 1..5), json_value()).prop_map(|(events, walk, with)| {
        let unit = units(&[(events, 2)]).remove(0);
        let mut value = serde_json::to_value(&unit).unwrap_or(Value::Null);
        replace_at(&mut value, &walk, with);
        serde_json::to_vec(&value).unwrap_or_default()
    })
}

/// Replaces the value found by following `walk` (one index per level) with `with`.
fn replace_at(value: &mut Value, walk: &[Index], with: Value) {
    let mut pointer = String::new();
    let mut at = &*value;
    for step in walk {
        let (key, next) = match at {
            Value::Object(m) if !m.is_empty() => {
                let (k, v) = m.iter().nth(step.index(m.len())).expect("in range");
                (k.replace('~', "~0").replace('/', "~1"), v)
            }
            Value::Array(a) if !a.is_empty() => {
                let i = step.index(a.len());
                (i.to_string(), &a[i])
            }
            _ => break,
        };
        pointer.push('/');
        pointer.push_str(&key);
        at = next;
    }
    if let Some(slot) = value.pointer_mut(&pointer) {
        *slot = with;
    }
}

#[test]
fn records_after_a_good_header_are_read_or_refused_never_a_panic() {
    let payload = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| frame(&b)),
        prop::collection::vec(any::<u8>(), 0..300),
        near_valid_unit().prop_map(|p| frame(&p)),
        json_value().prop_map(|v| frame(&serde_json::to_vec(&v).unwrap_or_default())),
    ];
    fuzz(
        "journal_records",
        FILE_SHARE,
        prop::collection::vec(payload, 1..4),
        |records| {
            let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
            let path = dir.path().join("journal.lkj");
            let (mut bytes, _) = write(&path, &[]);
            for r in &records {
                bytes.extend_from_slice(r);
            }
            std::fs::write(&path, &bytes).map_err(|e| fail(e.to_string()))?;
            match Journal::open(&path, identity()) {
                Ok(opened) => {
                    for (n, record) in opened.records().enumerate() {
                        if record.seq != n as u64 + 1 {
                            return Err(fail(format!("record {} read where {} was due", record.seq, n + 1)));
                        }
                    }
                    Ok(())
                }
                Err(Error::CorruptJournal { .. }) => Ok(()),
                Err(other) => Err(fail(format!("not a clean refusal: {other}"))),
            }
        },
    );
}
