//! Search by name across layers, as the map's search box asks: a hit is a
//! name that contains the query, or whose pinyin does (full, `taiyuan`, or
//! initials, `ty` for 太原), ranked by how well it matches, then by layer,
//! then by the shorter name, and limited.
//!
//! No index is kept: a query reads the names of the searched layers as they
//! are now (some 14,000 at scale 1), so a renamed or new feature is found at
//! once. The pinyin of a name is its characters' first reading (the `pinyin`
//! crate); a character with several readings matches by the first only.

use crate::catalog::Catalog;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::record::Value;
use geo::BoundingRect;
use pinyin::ToPinyin;
use serde::Serialize;
use std::ops::ControlFlow;

/// The layers searched, in the order a tie is ranked.
pub const SEARCHED: &[&str] = &[
    "counties",
    "hazard_sources",
    "rescue_teams",
    "enterprises",
    "shelters",
    "warehouses",
    "gas_stations",
    "disaster_zones",
];

/// Longest query, characters.
pub const MAX_QUERY_CHARS: usize = 50;
/// Most hits one query answers.
pub const MAX_HITS: usize = 50;

/// How a name matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// The whole name.
    Exact,
    /// The start of the name.
    Prefix,
    /// Somewhere in the name.
    Contains,
    /// The start of its pinyin initials (`ty` for 太原…).
    InitialsPrefix,
    /// The start of its full pinyin (`taiyuan` for 太原…).
    PinyinPrefix,
    /// Somewhere in its initials.
    InitialsContain,
    /// Somewhere in its full pinyin.
    PinyinContains,
}

/// One feature found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Collection id.
    pub collection: &'static str,
    /// Feature id.
    pub id: FeatureId,
    /// Its name (a county: the county's).
    pub name: String,
    /// Where it is: city and county.
    pub place: String,
    /// A point to fly to, [lon, lat]: the feature (a point), else the centre of its box.
    pub point: [f64; 2],
    /// Its box, [west, south, east, north].
    pub bbox: [f64; 4],
    /// How it matched.
    pub matched: Match,
}

/// A query as the search takes it: trimmed, lower case, without spaces
/// between Latin letters (`tai yuan` = `taiyuan`).
fn normalise(q: &str) -> String {
    q.trim().to_lowercase().chars().filter(|c| !c.is_whitespace()).collect()
}

/// The full pinyin (no tones, no spaces) and the initials of `name`; any
/// other character is kept as it is, lower case.
pub fn pinyin_of(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_alphanumeric() => {
                let lower: String = c.to_lowercase().collect();
                full.push_str(&lower);
                initials.push_str(&lower);
            }
            None => {}
        }
    }
    (full, initials)
}

/// How `name` matches the normalised query `q`, if it does.
fn match_name(name: &str, q: &str, latin: bool) -> Option<Match> {
    let lower = name.to_lowercase();
    if lower == q {
        return Some(Match::Exact);
    }
    if lower.starts_with(q) {
        return Some(Match::Prefix);
    }
    if lower.contains(q) {
        return Some(Match::Contains);
    }
    if !latin {
        return None;
    }
    let (full, initials) = pinyin_of(name);
    if initials.starts_with(q) {
        Some(Match::InitialsPrefix)
    } else if full.starts_with(q) {
        Some(Match::PinyinPrefix)
    } else if initials.contains(q) {
        Some(Match::InitialsContain)
    } else if full.contains(q) {
        Some(Match::PinyinContains)
    } else {
        None
    }
}

fn text<'a>(values: &'a [(&'static str, Value<'_>)], key: &str) -> Option<&'a str> {
    values.iter().find(|(k, _)| *k == key).and_then(|(_, v)| match v {
        Value::Text(s) => Some(*s),
        _ => None,
    })
}

/// The features of the searched layers whose name matches `query`, best
/// first, at most `limit` (1..=[`MAX_HITS`]), among those `sees` admits
/// (the caller's scope). An empty query finds nothing.
pub fn search(catalog: &Catalog, query: &str, limit: usize, sees: impl Fn(&str, FeatureId) -> bool) -> Vec<Hit> {
    let q = normalise(query);
    if q.is_empty() {
        return Vec::new();
    }
    let latin = q.chars().all(|c| c.is_ascii_alphanumeric());
    let limit = limit.clamp(1, MAX_HITS);
    // (match, layer rank, name length, hit)
    let mut found: Vec<(Match, usize, usize, Hit)> = Vec::new();
    for (rank, &layer) in SEARCHED.iter().enumerate() {
        let Some(collection) = catalog.read(layer) else {
            continue;
        };
        collection.visit_all(&Filter::all(), &mut |id, geometry, values| {
            let name_key = if layer == "counties" { "county" } else { "name" };
            let Some(name) = text(values, name_key).filter(|n| !n.is_empty()) else {
                return ControlFlow::Continue(());
            };
            let Some(matched) = match_name(name, &q, latin) else {
                return ControlFlow::Continue(());
            };
            if !sees(layer, id) {
                return ControlFlow::Continue(());
            }
            let Some(rect) = geometry.bounding_rect() else {
                return ControlFlow::Continue(());
            };
            let point = match geometry {
                geo::Geometry::Point(p) => [p.x(), p.y()],
                _ => [rect.center().x, rect.center().y],
            };
            let place = [text(values, "city"), text(values, "county")]
                .into_iter()
                .flatten()
                .filter(|s| *s != name)
                .collect::<Vec<_>>()
                .join(" ");
            found.push((
                matched,
                rank,
                name.chars().count(),
                Hit {
                    collection: layer,
                    id,
                    name: name.to_owned(),
                    place,
                    point,
                    bbox: [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
                    matched,
                },
            ));
            ControlFlow::Continue(())
        });
    }
    found.sort_by_key(|a| (a.0, a.1, a.2, a.3.id));
    found.into_iter().take(limit).map(|(.., hit)| hit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::small_dataset;

    fn catalog() -> Catalog {
        Catalog::new(small_dataset().clone())
    }

    #[test]
    fn pinyin_gives_the_full_reading_and_the_initials() {
        assert_eq!(pinyin_of("太原"), ("taiyuan".into(), "ty".into()));
        assert_eq!(pinyin_of("临汾3号库"), ("linfen3haoku".into(), "lf3hk".into()));
    }

    #[test]
    fn a_name_is_found_by_substring_by_initials_and_by_full_pinyin_best_first() {
        let catalog = catalog();
        let all = |_: &str, _: FeatureId| true;
        let by_name = search(&catalog, "小店", 10, all);
        assert!(!by_name.is_empty());
        assert_eq!(
            by_name[0].collection, "counties",
            "the county itself ranks first: {by_name:?}"
        );
        assert_eq!(by_name[0].name, "小店区");
        assert!(by_name.iter().all(|h| h.name.contains("小店")));
        let by_initials = search(&catalog, "xdq", 10, all);
        assert_eq!(by_initials[0].name, "小店区");
        assert_eq!(by_initials[0].matched, Match::InitialsPrefix);
        let by_pinyin = search(&catalog, "Xiao Dian", 10, all);
        assert_eq!(by_pinyin[0].name, "小店区");
        assert_eq!(by_pinyin[0].matched, Match::PinyinPrefix);
        // ranked: every exact or prefix match before any mere substring
        let hits = search(&catalog, "太原", 50, all);
        let classes: Vec<Match> = hits.iter().map(|h| h.matched).collect();
        assert!(classes.windows(2).all(|w| w[0] <= w[1]), "{classes:?}");
    }

    #[test]
    fn the_answer_is_limited_and_respects_what_the_caller_sees() {
        let catalog = catalog();
        assert_eq!(search(&catalog, "有限公司", 7, |_, _| true).len(), 7);
        assert_eq!(search(&catalog, "有限公司", 10_000, |_, _| true).len(), MAX_HITS);
        assert!(search(&catalog, "  ", 10, |_, _| true).is_empty());
        assert!(
            search(&catalog, "小店", 10, |layer, _| layer != "counties")
                .iter()
                .all(|h| h.collection != "counties")
        );
        assert!(search(&catalog, "zzzzqqqq", 10, |_, _| true).is_empty());
    }
}
