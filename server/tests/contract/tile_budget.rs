//! A tile over its size budget keeps what matters (issue 21, item 7): the
//! most severe features first, the rest spread over the tile, and says it
//! was cut (`truncated` on every feature of the cut layer).

use crate::common;
use crate::scope::decode;
use lookout_layers::{Filter, Record, model::Enterprise};
use lookout_server::extract::PropertyFilters;
use lookout_server::tiling::parse_request;
use lookout_tiles::{TileCoord, TileSpec};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// The quadrants (of 4) of the tile that hold a decoded point.
fn quadrants(features: &[crate::scope::Decoded]) -> HashSet<(bool, bool)> {
    features
        .iter()
        .flat_map(|(_, parts)| parts.iter().flatten())
        .filter(|(x, y)| (0..4096).contains(x) && (0..4096).contains(y))
        .map(|(x, y)| (*x < 2048, *y < 2048))
        .collect()
}

#[test]
fn a_cut_tile_keeps_the_most_severe_first_and_spreads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::state(dir.path());
    let catalog = state.store.catalog();
    let request = parse_request(catalog, "enterprises", &PropertyFilters::default()).unwrap();
    // The densest tile at the first unclustered zoom, of those holding a
    // red enterprise.
    let red = Filter::parse(Enterprise::FIELDS, [("risk_level", "red")]).unwrap();
    let enterprises = catalog.read("enterprises").unwrap();
    let mut candidates = HashSet::new();
    let province = geo::Rect::new(geo::Coord { x: 109.0, y: 33.0 }, geo::Coord { x: 116.0, y: 42.0 });
    enterprises.visit_in_rect(province, &red, &mut |_, g, _| {
        if let geo::Geometry::Point(p) = g {
            candidates.insert(TileCoord::at(p.x(), p.y(), 12).unwrap());
        }
        ControlFlow::Continue(())
    });
    let count = |tile: &TileCoord| {
        let (w, s, e, n) = TileSpec::new(*tile).query_bounds();
        let mut k = 0;
        let rect = geo::Rect::new(geo::Coord { x: w, y: s }, geo::Coord { x: e, y: n });
        enterprises.visit_in_rect(rect, &Filter::all(), &mut |_, _, _| {
            k += 1;
            ControlFlow::Continue(())
        });
        k
    };
    let tile = candidates.iter().copied().max_by_key(|t| (count(t), t.x, t.y)).unwrap();
    drop(enterprises);
    let full = state.tiles.render_within(catalog, &request, tile, None, usize::MAX);
    assert!(full.truncated.is_empty());
    let all = &decode(&full.mvt)[0];
    assert_eq!(all.name, "enterprises");
    assert!(all.features.len() > 100, "a dense tile: {}", all.features.len());
    assert!(!String::from_utf8_lossy(&full.mvt).contains("truncated"));

    // The red enterprises in the tile's ground (and buffer).
    let (w, s, e, n) = TileSpec::new(tile).query_bounds();
    let rect = geo::Rect::new(geo::Coord { x: w, y: s }, geo::Coord { x: e, y: n });
    let mut reds = HashSet::new();
    catalog
        .read("enterprises")
        .unwrap()
        .visit_in_rect(rect, &red, &mut |id, _, _| {
            reds.insert(id);
            ControlFlow::Continue(())
        });
    assert!(
        !reds.is_empty() && reds.len() * 4 < all.features.len(),
        "{} reds",
        reds.len()
    );

    let budget = full.mvt.len() / 3;
    let cut = state.tiles.render_within(catalog, &request, tile, None, budget);
    assert_eq!(cut.truncated, ["enterprises"]);
    let kept = &decode(&cut.mvt)[0];
    assert!(kept.features.len() < all.features.len());
    let kept_ids: HashSet<u64> = kept.ids.iter().copied().collect();
    assert_eq!(kept.ids.len(), kept.features.len());
    let missing: Vec<_> = reds.iter().filter(|id| !kept_ids.contains(id)).collect();
    let all_ids: HashSet<u64> = all.ids.iter().copied().collect();
    assert!(
        missing.is_empty(),
        "red enterprises cut from the tile: {missing:?} of {} reds; kept {} of {}; in the full tile: {:?}",
        reds.len(),
        kept.features.len(),
        all.features.len(),
        missing.iter().map(|id| all_ids.contains(id)).collect::<Vec<_>>()
    );
    assert_eq!(
        quadrants(&kept.features),
        quadrants(&all.features),
        "the cut thins the whole tile"
    );
    assert!(String::from_utf8_lossy(&cut.mvt).contains("truncated"));
}
