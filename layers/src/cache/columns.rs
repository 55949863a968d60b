//! The enterprises of a chunk as columns: nine in ten features of a
//! province are enterprises, so their chunks carry no field names and no
//! repeated text.
//!
//! One array per field (ids, longitudes, latitudes, codes, counts), the
//! shared strings (county, city, supervisor) once each with an index per
//! enterprise, and the free text (name, credit code, address) of the whole
//! chunk as one UTF-8 string with where each piece ends. The columns are
//! MessagePack through `rmp-serde` (positional), like the other layers'
//! records; only the layout is the enterprises' own.
//!
//! [`encode`] destructures every field of [`Enterprise`] by name, so a field
//! added to the record does not compile here until it is carried too; a
//! feature whose geometry is not a point is not encoded here (the chunk is
//! then written in the generic form).

use crate::feature::{Feature, FeatureId};
use crate::intern::Interned;
use crate::model::{Enterprise, Industry, RiskLevel};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The columns of one chunk of enterprises.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Columns {
    ids: Vec<FeatureId>,
    lon: Vec<f64>,
    lat: Vec<f64>,
    /// County, city and supervisor texts, each once.
    shared: Vec<String>,
    county: Vec<u32>,
    city: Vec<u32>,
    supervisor: Vec<u32>,
    county_id: Vec<u32>,
    /// Index in [`Industry::ALL`].
    industry: Vec<u8>,
    /// Index in [`RiskLevel::ALL`].
    risk_level: Vec<u8>,
    standardisation_grade: Vec<Option<u8>>,
    employees: Vec<u32>,
    /// Days since 1 January of year 1 (CE).
    last_inspection: Vec<Option<i32>>,
    external_id: Vec<Option<String>>,
    /// Name, credit code and address of every enterprise, in order.
    text: String,
    /// Where each of those pieces ends in `text` (three per enterprise).
    ends: Vec<u32>,
    /// The H3 resolution-7 cell of each point (0: none), where the risk
    /// grid places it: derived, computed once when the cache is written.
    cells: Vec<u64>,
}

fn index_of<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter().position(|v| v == value).unwrap_or_default() as u8
}

/// The chunk as columns; `None` if a feature's geometry is not a point or
/// the text is too long to index (the chunk then goes in the generic form).
pub(super) fn encode(features: &[Feature<Enterprise>]) -> Option<Result<Vec<u8>, String>> {
    let n = features.len();
    let mut c = Columns {
        ids: Vec::with_capacity(n),
        lon: Vec::with_capacity(n),
        lat: Vec::with_capacity(n),
        ends: Vec::with_capacity(3 * n),
        cells: Vec::with_capacity(n),
        ..Columns::default()
    };
    let mut shared: HashMap<String, u32> = HashMap::new();
    let mut share = |text: &Interned, column: &mut Vec<u32>, list: &mut Vec<String>| {
        let at = match shared.get(text.as_str()) {
            Some(at) => *at,
            None => {
                list.push(text.as_str().to_owned());
                let at = (list.len() - 1) as u32;
                shared.insert(text.as_str().to_owned(), at);
                at
            }
        };
        column.push(at);
    };
    for f in features {
        let geo::Geometry::Point(p) = &f.geometry else {
            return None;
        };
        let Enterprise {
            external_id,
            name,
            credit_code,
            county_id,
            county,
            city,
            address,
            industry,
            risk_level,
            standardisation_grade,
            employees,
            supervisor,
            last_inspection,
        } = &f.properties;
        c.ids.push(f.id);
        c.lon.push(p.x());
        c.lat.push(p.y());
        c.cells
            .push(crate::risk::grid::fine_cell(p.x(), p.y()).map_or(0, u64::from));
        share(county, &mut c.county, &mut c.shared);
        share(city, &mut c.city, &mut c.shared);
        share(supervisor, &mut c.supervisor, &mut c.shared);
        c.county_id.push(*county_id);
        c.industry.push(index_of(Industry::ALL, industry));
        c.risk_level.push(index_of(RiskLevel::ALL, risk_level));
        c.standardisation_grade.push(*standardisation_grade);
        c.employees.push(*employees);
        c.last_inspection.push(last_inspection.map(|d| d.num_days_from_ce()));
        c.external_id.push(external_id.as_deref().map(str::to_owned));
        for piece in [name, credit_code, address] {
            c.text.push_str(piece);
            c.ends.push(u32::try_from(c.text.len()).ok()?);
        }
    }
    Some(rmp_serde::to_vec(&c).map_err(|e| e.to_string()))
}

/// The enterprises of a chunk written by [`encode`], and each one's fine
/// cell; every column checked against the count, every index and text
/// boundary against its table.
pub(super) fn decode(bytes: &[u8]) -> Result<(Vec<Feature<Enterprise>>, Vec<u64>), String> {
    let c: Columns = rmp_serde::from_slice(bytes).map_err(|e| e.to_string())?;
    let n = c.ids.len();
    let lengths = [
        c.lon.len(),
        c.lat.len(),
        c.county.len(),
        c.city.len(),
        c.supervisor.len(),
        c.county_id.len(),
        c.industry.len(),
        c.risk_level.len(),
        c.standardisation_grade.len(),
        c.employees.len(),
        c.last_inspection.len(),
        c.external_id.len(),
        c.cells.len(),
    ];
    if lengths.iter().any(|l| *l != n) || c.ends.len() != 3 * n {
        return Err(format!("enterprise columns of unequal lengths ({n} ids)"));
    }
    let shared: Vec<Interned> = c.shared.iter().map(|s| Interned::new(s)).collect();
    let pick = |i: u32| {
        shared
            .get(i as usize)
            .cloned()
            .ok_or("a shared text index out of range")
    };
    let mut start = 0usize;
    let mut piece = |end: u32| -> Result<Box<str>, String> {
        let end = end as usize;
        let text = c
            .text
            .get(start..end)
            .ok_or_else(|| format!("a text piece at {start}..{end} is not in the chunk's text"))?;
        start = end;
        Ok(text.into())
    };
    let mut features = Vec::with_capacity(n);
    let mut external = c.external_id.into_iter();
    for i in 0..n {
        let industry = *Industry::ALL
            .get(usize::from(c.industry[i]))
            .ok_or("an industry out of range")?;
        let risk_level = *RiskLevel::ALL
            .get(usize::from(c.risk_level[i]))
            .ok_or("a risk level out of range")?;
        let last_inspection = match c.last_inspection[i] {
            Some(days) => Some(NaiveDate::from_num_days_from_ce_opt(days).ok_or("a date out of range")?),
            None => None,
        };
        // In the order they were written.
        let name = piece(c.ends[3 * i])?;
        let credit_code = piece(c.ends[3 * i + 1])?;
        let address = piece(c.ends[3 * i + 2])?;
        features.push(Feature {
            id: c.ids[i],
            geometry: geo::Geometry::Point(geo::Point::new(c.lon[i], c.lat[i])),
            properties: Enterprise {
                external_id: external.next().flatten().map(Into::into),
                name,
                credit_code,
                county_id: c.county_id[i],
                county: pick(c.county[i])?,
                city: pick(c.city[i])?,
                address,
                industry,
                risk_level,
                standardisation_grade: c.standardisation_grade[i],
                employees: c.employees[i],
                supervisor: pick(c.supervisor[i])?,
                last_inspection,
            },
        });
    }
    Ok((features, c.cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enterprise(id: FeatureId, county: &str) -> Feature<Enterprise> {
        Feature {
            id,
            geometry: geo::Geometry::Point(geo::Point::new(112.5 + id as f64 * 1e-7, 37.8 - id as f64 * 1e-9)),
            properties: Enterprise {
                external_id: None,
                name: format!("太原某煤业有限公司{id}").into(),
                credit_code: "91140100MA0000000X".into(),
                county_id: 1,
                county: county.into(),
                city: "太原市".into(),
                address: format!("山西省太原市{county}平阳路{id}号").into(),
                industry: Industry::ALL[id as usize % Industry::ALL.len()],
                risk_level: RiskLevel::ALL[id as usize % RiskLevel::ALL.len()],
                standardisation_grade: Some(2),
                employees: 300,
                supervisor: "太原市应急管理局".into(),
                last_inspection: NaiveDate::from_ymd_opt(2026, 5, 1),
            },
        }
    }

    #[test]
    fn every_field_and_every_absent_value_reads_back() {
        let mut features: Vec<_> = (1..=50)
            .map(|id| enterprise(id, if id % 2 == 0 { "小店区" } else { "迎泽区" }))
            .collect();
        features[3].properties.external_id = Some("reg-0004".into());
        features[4].properties.standardisation_grade = None;
        features[5].properties.last_inspection = None;
        features[6].properties.name = "".into();
        features[7].properties.address = "".into();
        features[8].properties.last_inspection = NaiveDate::from_ymd_opt(-44, 3, 15);
        features[9].geometry = geo::Geometry::Point(geo::Point::new(-180.0, 90.0));
        let bytes = encode(&features).expect("points").unwrap();
        let (back, cells) = decode(&bytes).unwrap();
        assert_eq!(back, features);
        // Each point's fine cell, as the risk grid would compute it.
        for (f, cell) in features.iter().zip(&cells) {
            let geo::Geometry::Point(p) = f.geometry else {
                panic!("a point")
            };
            let want = crate::risk::grid::fine_cell(p.x(), p.y()).map_or(0, u64::from);
            assert_eq!(*cell, want);
        }
        assert!(cells.iter().all(|c| *c != 0));
    }

    #[test]
    fn a_chunk_with_a_feature_that_is_not_a_point_is_left_to_the_generic_form() {
        let mut features = vec![enterprise(1, "小店区"), enterprise(2, "小店区")];
        features[1].geometry = geo::Geometry::LineString(geo::LineString::from(vec![(1.0, 2.0), (3.0, 4.0)]));
        assert!(encode(&features).is_none());
    }

    #[test]
    fn columns_that_disagree_are_refused_not_misread() {
        let features: Vec<_> = (1..=5).map(|id| enterprise(id, "小店区")).collect();
        let bytes = encode(&features).unwrap().unwrap();
        let mut c: Columns = rmp_serde::from_slice(&bytes).unwrap();
        c.lat.pop();
        let short = rmp_serde::to_vec(&c).unwrap();
        assert!(decode(&short).unwrap_err().contains("unequal"));
        let mut c: Columns = rmp_serde::from_slice(&bytes).unwrap();
        c.county[2] = 99;
        assert!(decode(&rmp_serde::to_vec(&c).unwrap()).unwrap_err().contains("index"));
        let mut c: Columns = rmp_serde::from_slice(&bytes).unwrap();
        // A boundary inside a multi-byte character.
        c.ends[0] = 1;
        assert!(
            decode(&rmp_serde::to_vec(&c).unwrap())
                .unwrap_err()
                .contains("text piece")
        );
    }
}
