//! [`CoverageIndex`]: every point coverage classifies (teams, population cell
//! centres, hazard sources, enterprises) snapped to the road graph once, and
//! kept current one feature at a time. An answer is then one search from the
//! teams ([`CoverageIndex::times`]: the travel time to every junction) and a
//! scan that reads each point's arrival off its two junctions, exactly as
//! [`super::coverage`] does after snapping everything again.

use super::{Coverage, Gaps, cell_centre, limit_ms, listed, merged, squares_km2};
use crate::catalog::Catalog;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::layer::Layer;
use crate::model::Road;
use crate::record::Record;
use crate::routing::{MAX_SNAP_M, RoadGraph};
use crate::scope::Scope;
use geo::{Coord, Geometry, Polygon};

/// No junction: the end is unused (a one-way road has one) or the point did not snap.
const NO_JUNCTION: u32 = u32::MAX;

/// Where a snapped point meets the graph: up to two junctions, each with the
/// time between it and the point, access included, ms. Arrivals for the
/// points reached, departures for the teams (on a one-way road they differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ends([(u32, u32); 2]);

impl Ends {
    /// No road within [`MAX_SNAP_M`]: never reached.
    const NONE: Self = Self([(NO_JUNCTION, 0); 2]);

    fn of(pairs: &[(usize, usize)]) -> Self {
        let mut ends = Self::NONE;
        for (end, &(junction, ms)) in ends.0.iter_mut().zip(pairs) {
            // A junction index always fits (no graph has 4 G junctions); a
            // time past u32::MAX ms (49 days) is kept as 49 days, beyond any limit.
            if let Ok(junction) = u32::try_from(junction) {
                *end = (junction, u32::try_from(ms).unwrap_or(u32::MAX));
            }
        }
        ends
    }

    fn pairs(self) -> impl Iterator<Item = (usize, usize)> {
        self.0
            .into_iter()
            .filter(|(n, _)| *n != NO_JUNCTION)
            .map(|(n, t)| (n as usize, t as usize))
    }

    fn snapped(self) -> bool {
        self.0[0].0 != NO_JUNCTION
    }

    /// [`RoadGraph::arrival`] of the snap these ends were made from.
    fn arrival(self, times: &[usize]) -> Option<usize> {
        self.pairs()
            .filter_map(|(n, t)| times.get(n).filter(|d| **d != usize::MAX).map(|d| d + t))
            .min()
    }
}

/// No road: the point did not snap.
const NO_ROAD: FeatureId = FeatureId::MAX;

/// One layer's points, in id order, with where each meets the graph and
/// the road it was snapped to ([`NO_ROAD`] if none).
#[derive(Debug, Default)]
struct Reaches {
    ids: Vec<FeatureId>,
    ends: Vec<Ends>,
    roads: Vec<FeatureId>,
}

/// Where a point meets the graph, and the road it was snapped to.
type Reach = (Ends, FeatureId);

impl Reaches {
    /// Snaps every feature of `layer` that has a point `at`, on all cores.
    fn build<T: Record>(
        layer: &Layer<T>,
        at: fn(&Geometry<f64>) -> Option<Coord<f64>>,
        reach: &(dyn Fn(Coord<f64>) -> Reach + Sync),
    ) -> Self {
        let points: Vec<(FeatureId, Coord<f64>)> = layer
            .features()
            .iter()
            .filter_map(|f| at(&f.geometry).map(|p| (f.id, p)))
            .collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = points.len().div_ceil(threads).max(4_096);
        let mut ends: Vec<Ends> = Vec::with_capacity(points.len());
        let mut roads: Vec<FeatureId> = Vec::with_capacity(points.len());
        std::thread::scope(|scope| {
            let parts: Vec<_> = points
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|(_, p)| reach(*p)).collect::<Vec<_>>()))
                .collect();
            for part in parts {
                for (e, road) in part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)) {
                    ends.push(e);
                    roads.push(road);
                }
            }
        });
        // A new list, not the points' own memory reused (three times the size).
        let mut ids = Vec::with_capacity(points.len());
        ids.extend(points.iter().map(|(id, _)| *id));
        Self { ids, ends, roads }
    }

    /// Where `id` is in `ids`. Ids are strictly increasing integers, so `id`
    /// sits no further in than `id - ids[0]`, and exactly there when none
    /// below it is missing (a layer's ids are mostly consecutive): one read
    /// where a binary search over a million ids takes twenty scattered
    /// ones. Otherwise it gallops back from there, then searches between.
    fn position(&self, id: FeatureId) -> Option<usize> {
        let first = *self.ids.first()?;
        let most = usize::try_from(id.checked_sub(first)?).unwrap_or(usize::MAX);
        let (mut lo, mut hi) = (most.min(self.ids.len() - 1), most.min(self.ids.len() - 1));
        let mut step = 1;
        while self.ids[lo] > id {
            if lo == 0 {
                return None;
            }
            hi = lo;
            lo = lo.saturating_sub(step);
            step *= 2;
        }
        self.ids[lo..=hi].binary_search(&id).ok().map(|i| lo + i)
    }

    fn get(&self, id: FeatureId) -> Option<Ends> {
        self.position(id).map(|i| self.ends[i])
    }

    /// The road feature `id` was snapped to: `Some(None)` if none within
    /// reach, `None` if the feature is not indexed.
    fn road(&self, id: FeatureId) -> Option<Option<FeatureId>> {
        self.position(id).map(|i| Some(self.roads[i]).filter(|r| *r != NO_ROAD))
    }

    /// Feature `id` now has `reach`, or (`None`) no point any more.
    fn set(&mut self, id: FeatureId, reach: Option<Reach>) {
        match (self.ids.binary_search(&id), reach) {
            (Ok(i), Some((e, road))) => {
                self.ends[i] = e;
                self.roads[i] = road;
            }
            (Ok(i), None) => {
                self.ids.remove(i);
                self.ends.remove(i);
                self.roads.remove(i);
            }
            (Err(i), Some((e, road))) => {
                self.ids.insert(i, id);
                self.ends.insert(i, e);
                self.roads.insert(i, road);
            }
            (Err(_), None) => {}
        }
    }

    fn iter(&self) -> impl Iterator<Item = (FeatureId, Ends)> + '_ {
        self.ids.iter().copied().zip(self.ends.iter().copied())
    }

    fn heap_bytes(&self) -> usize {
        (self.ids.capacity() + self.roads.capacity()) * std::mem::size_of::<FeatureId>()
            + self.ends.capacity() * std::mem::size_of::<Ends>()
    }
}

/// `p` snapped to `graph`: the junctions it is reached through (or, `leaving`,
/// leaves by) and the road.
fn reach(graph: &RoadGraph, roads: &Layer<Road>, p: Coord<f64>, leaving: bool) -> Reach {
    match graph.snap(roads, p, MAX_SNAP_M) {
        Some(s) if leaving => (Ends::of(&graph.departures(&s)), s.road),
        Some(s) => (Ends::of(&graph.arrivals(&s)), s.road),
        None => (Ends::NONE, NO_ROAD),
    }
}

fn point(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        _ => None,
    }
}

/// The travel times from the teams passing one filter to every junction of
/// the graph ([`CoverageIndex::times`]): what every time limit of that
/// filter is answered from.
#[derive(Debug, Clone)]
pub struct Times {
    teams: usize,
    ms: Vec<usize>,
}

impl Times {
    /// Teams the search started from (those that meet a road).
    pub fn teams(&self) -> usize {
        self.teams
    }
}

/// The points coverage classifies, each snapped once to one road graph:
/// rescue teams (where they leave by), population cell centres, major hazard
/// sources and enterprises (where they are reached through). Built for one
/// graph; after a road change, build it again for the new graph. A feature
/// changed in one of [`CoverageIndex::LAYERS`] is snapped again with
/// [`CoverageIndex::update`].
#[derive(Debug, Default)]
pub struct CoverageIndex {
    teams: Reaches,
    cells: Reaches,
    hazard_sources: Reaches,
    enterprises: Reaches,
}

impl CoverageIndex {
    /// The layers whose features it snaps.
    pub const LAYERS: [&'static str; 4] = ["rescue_teams", "population", "hazard_sources", "enterprises"];

    /// Snaps every team, cell centre, hazard source and enterprise of
    /// `catalog` to `graph` (built from the catalog's roads).
    pub fn build(graph: &RoadGraph, catalog: &Catalog) -> Self {
        let roads = catalog.roads.read();
        let depart = |p: Coord<f64>| reach(graph, &roads, p, true);
        let arrive = |p: Coord<f64>| reach(graph, &roads, p, false);
        Self {
            teams: Reaches::build(&catalog.rescue_teams.read(), point, &depart),
            cells: Reaches::build(&catalog.population.read(), cell_centre, &arrive),
            hazard_sources: Reaches::build(&catalog.hazard_sources.read(), point, &arrive),
            enterprises: Reaches::build(&catalog.enterprises.read(), point, &arrive),
        }
    }

    /// Snaps feature `id` of `layer` again as the catalog holds it now
    /// (moved, added or deleted); `false` if `layer` is not one of
    /// [`CoverageIndex::LAYERS`].
    pub fn update(&mut self, graph: &RoadGraph, catalog: &Catalog, layer: &str, id: FeatureId) -> bool {
        fn at<T: Record>(
            layer: &Layer<T>,
            id: FeatureId,
            at: fn(&Geometry<f64>) -> Option<Coord<f64>>,
        ) -> Option<Coord<f64>> {
            layer.feature(id).and_then(|f| at(&f.geometry))
        }
        let (reaches, p, leaving) = match layer {
            "rescue_teams" => (&mut self.teams, at(&catalog.rescue_teams.read(), id, point), true),
            "population" => (&mut self.cells, at(&catalog.population.read(), id, cell_centre), false),
            "hazard_sources" => (
                &mut self.hazard_sources,
                at(&catalog.hazard_sources.read(), id, point),
                false,
            ),
            "enterprises" => (&mut self.enterprises, at(&catalog.enterprises.read(), id, point), false),
            _ => return false,
        };
        let reached = p.map(|p| reach(graph, &catalog.roads.read(), p, leaving));
        reaches.set(id, reached);
        true
    }

    /// The road feature `id` of `layer` was snapped to, for
    /// [`RoadGraph::snap_to_road`]: `Some(None)` if no road is within reach,
    /// `None` if `layer` is not one of [`CoverageIndex::LAYERS`] or the
    /// feature is not indexed. Current only while the index is current
    /// (built for the graph in use, every change since applied).
    pub fn road_of(&self, layer: &str, id: FeatureId) -> Option<Option<FeatureId>> {
        match layer {
            "rescue_teams" => &self.teams,
            "population" => &self.cells,
            "hazard_sources" => &self.hazard_sources,
            "enterprises" => &self.enterprises,
            _ => return None,
        }
        .road(id)
    }

    /// Points snapped (teams, cells, hazard sources and enterprises).
    pub fn len(&self) -> usize {
        self.teams.ids.len() + self.cells.ids.len() + self.hazard_sources.ids.len() + self.enterprises.ids.len()
    }

    /// Nothing is snapped.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Memory the snaps take, bytes.
    pub fn heap_bytes(&self) -> usize {
        [&self.teams, &self.cells, &self.hazard_sources, &self.enterprises]
            .iter()
            .map(|r| r.heap_bytes())
            .sum()
    }

    /// The travel times from every team passing `teams` to every junction of
    /// `graph` (the graph the index was built for): one search from all of
    /// them at once, one-way roads driven forwards (travel is team → place).
    pub fn times(&self, graph: &RoadGraph, catalog: &Catalog, teams: &Filter) -> Times {
        let layer = catalog.rescue_teams.read();
        let mut count = 0;
        let mut sources = Vec::new();
        for t in layer.features().iter().filter(|t| teams.matches(&t.properties)) {
            if let Some(ends) = self.teams.get(t.id).filter(|e| e.snapped()) {
                count += 1;
                sources.extend(ends.pairs());
            }
        }
        Times {
            teams: count,
            ms: graph.times_from(sources),
        }
    }

    /// What [`super::coverage`] answers for the teams `times` was made from,
    /// within `limit_s` seconds, read off the snaps: the same cells reached,
    /// the same gaps in the same order with the same times.
    pub fn coverage(&self, catalog: &Catalog, times: &Times, limit_s: f64, scope: Option<&Scope>) -> Coverage {
        let limit_ms = limit_ms(limit_s);
        let cells = catalog.population.read();
        let (mut reached, mut covered, mut total) = (Vec::<Polygon<f64>>::new(), 0u64, 0u64);
        // Both in id order: walk them side by side.
        let mut reaches = self.cells.iter().peekable();
        for cell in cells.features() {
            while reaches.next_if(|(id, _)| *id < cell.id).is_some() {}
            let ends = reaches.next_if(|(id, _)| *id == cell.id).map(|(_, e)| e);
            let (Geometry::Polygon(square), Some(centre)) = (&cell.geometry, cell_centre(&cell.geometry)) else {
                continue;
            };
            if scope.is_some_and(|s| !s.contains_point(centre)) {
                continue;
            }
            total += u64::from(cell.properties.population);
            if ends.and_then(|e| e.arrival(&times.ms)).is_some_and(|t| t <= limit_ms) {
                covered += u64::from(cell.properties.population);
                reached.push(square.clone());
            }
        }
        drop(cells);
        let reachable_km2 = squares_km2(&reached);
        let reachable = merged(&reached);
        let hazard_sources = gaps(
            &self.hazard_sources,
            &times.ms,
            &catalog.hazard_sources.read(),
            limit_ms,
            scope,
            |h| h.name.as_str(),
        );
        let enterprises = gaps(
            &self.enterprises,
            &times.ms,
            &catalog.enterprises.read(),
            limit_ms,
            scope,
            |e| &*e.name,
        );
        Coverage {
            teams: times.teams,
            limit_s,
            reachable,
            reachable_km2,
            population_covered: covered,
            population_total: total,
            hazard_sources,
            enterprises,
        }
    }
}

/// The points of `reaches` not reached within `limit_ms` (or at all), in
/// scope: each arrival read off its two junctions; only those outside are
/// checked against the scope, and only the listed ones are named.
fn gaps<T: Record>(
    reaches: &Reaches,
    times: &[usize],
    layer: &Layer<T>,
    limit_ms: usize,
    scope: Option<&Scope>,
    name: impl Fn(&T) -> &str,
) -> Gaps {
    let out: Vec<(FeatureId, Option<usize>)> = reaches
        .iter()
        .filter_map(|(id, ends)| match ends.arrival(times) {
            Some(t) if t <= limit_ms => None,
            t => Some((id, t)),
        })
        .filter(|(id, _)| scope.is_none_or(|s| s.admits_in(layer, *id)))
        .collect();
    listed(out, |id| {
        layer
            .feature(id)
            .map(|f| name(&f.properties).to_owned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::Collection;
    use crate::model::RescueTeam;

    fn filter(pairs: &[(&str, &str)]) -> Filter {
        Filter::parse(RescueTeam::FIELDS, pairs.iter().copied()).unwrap()
    }

    /// A limit whose whole milliseconds are exactly `ms`.
    fn limit_at(ms: usize) -> f64 {
        (ms as f64 + 0.5) / 1000.0
    }

    #[test]
    fn the_index_answers_as_snapping_everything_again_even_on_the_edge_of_the_limit() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let graph = RoadGraph::build(&catalog.roads.read());
        let index = CoverageIndex::build(&graph, &catalog);
        let county = catalog.counties.read().features()[0].id;
        let scope = Scope::resolve(
            &catalog,
            &crate::model::ScopeSpec {
                cities: Vec::new(),
                counties: vec![county as u32],
            },
        )
        .unwrap();
        let roads = catalog.roads.read();
        // (The reference snaps everything on each call: a second each in a debug build.)
        for (teams, edge) in [(filter(&[("kind", "hazmat")]), true), (Filter::all(), false)] {
            let times = index.times(&graph, &catalog, &teams);
            // Limits: a round one (also scoped), and ones that fall exactly on an arrival
            // (a cell centre's, an enterprise's, a hazard source's) and a millisecond before it.
            let mut limits = vec![30.0 * 60.0];
            let arrival = |p: Coord<f64>| {
                graph
                    .snap(&roads, p, MAX_SNAP_M)
                    .and_then(|s| graph.arrival(&times.ms, &s))
            };
            let cells = catalog.population.read();
            let enterprises = catalog.enterprises.read();
            let sources = catalog.hazard_sources.read();
            let edges: Vec<(&str, usize)> = [
                ("cell", cell_centre(&cells.features()[cells.len() / 2].geometry)),
                (
                    "enterprise",
                    point(&enterprises.features()[enterprises.len() / 3].geometry),
                ),
                ("hazard source", point(&sources.features()[sources.len() / 2].geometry)),
            ]
            .into_iter()
            .filter_map(|(what, p)| Some((what, arrival(p?)?)))
            .collect();
            assert_eq!(edges.len(), 3, "each reached by some road");
            for (_, t) in edges.iter().filter(|_| edge) {
                assert_eq!(limit_ms(limit_at(*t)), *t);
                limits.extend([limit_at(*t), limit_at(t - 1)]);
            }
            drop((cells, enterprises, sources));
            for (i, limit_s) in limits.into_iter().enumerate() {
                let scopes = if i == 0 { vec![None, Some(&scope)] } else { vec![None] };
                for scope in scopes {
                    let want = super::super::coverage(&catalog, &graph, &teams, limit_s, scope);
                    let got = index.coverage(&catalog, &times, limit_s, scope);
                    assert_eq!(got, want, "limit {limit_s} s, scoped {}", scope.is_some());
                    assert!(want.teams > 0 && want.population_covered > 0, "a real answer");
                }
            }
            if !edge {
                continue;
            }
            // On the edge: arriving exactly at the limit is in time; a millisecond later is not.
            let enterprise = catalog.enterprises.read().features()[catalog.enterprises.read().len() / 3].id;
            let t = edges[1].1;
            let listed = |limit_s: f64| {
                let c = index.coverage(&catalog, &times, limit_s, None);
                (
                    c.enterprises.count,
                    c.enterprises.items.iter().any(|g| g.id == enterprise),
                )
            };
            let (at, before) = (listed(limit_at(t)), listed(limit_at(t - 1)));
            assert!(at.0 < before.0, "one gap fewer when the limit reaches it");
            assert!(!at.1, "reached exactly at the limit: covered");
            assert!(
                before.0 > super::super::MAX_LISTED || before.1,
                "a millisecond short: a gap"
            );
        }
    }

    #[test]
    fn the_index_follows_moved_added_and_deleted_features() {
        use crate::event::Event;
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let graph = RoadGraph::build(&catalog.roads.read());
        let mut index = CoverageIndex::build(&graph, &catalog);
        let apply = |layer: &str, event: Event| {
            let mut c = catalog.write(layer).unwrap();
            let prepared = c.prepare(&event).unwrap();
            let id = prepared.id;
            c.commit(prepared).unwrap();
            id
        };
        let feature = |layer: &str, id: FeatureId| {
            let c = catalog.read(layer).unwrap();
            let mut out = Vec::new();
            assert!(c.write_feature(id, &mut out));
            serde_json::from_slice::<serde_json::Value>(&out).unwrap()
        };
        // A hazmat team deleted, an enterprise moved far off into the hills,
        // a new enterprise beside a road, a population cell deleted.
        let team = catalog
            .rescue_teams
            .read()
            .features()
            .iter()
            .find(|t| t.properties.kind == crate::model::RescueKind::Hazmat)
            .unwrap()
            .id;
        let mut changed = vec![(
            "rescue_teams",
            apply(
                "rescue_teams",
                Event::FeatureDeleted {
                    collection: "rescue_teams".into(),
                    id: team,
                },
            ),
        )];
        let moved = catalog.enterprises.read().features()[7].id;
        changed.push((
            "enterprises",
            apply(
                "enterprises",
                Event::FeatureUpdated {
                    collection: "enterprises".into(),
                    id: moved,
                    properties: serde_json::Map::new(),
                    geometry: Some(serde_json::json!({"type": "Point", "coordinates": [113.9, 35.3]})),
                },
            ),
        ));
        let mut body = feature("enterprises", moved);
        body.as_object_mut().unwrap().remove("id");
        body["geometry"]["coordinates"] = serde_json::json!([112.55, 37.87]);
        changed.push((
            "enterprises",
            apply(
                "enterprises",
                Event::FeatureCreated {
                    collection: "enterprises".into(),
                    feature: body,
                },
            ),
        ));
        let cell = catalog.population.read().features()[3].id;
        changed.push((
            "population",
            apply(
                "population",
                Event::FeatureDeleted {
                    collection: "population".into(),
                    id: cell,
                },
            ),
        ));
        for (layer, id) in &changed {
            assert!(index.update(&graph, &catalog, layer, *id));
        }
        assert!(
            !index.update(&graph, &catalog, "roads", 1),
            "roads are not snapped: a new graph is"
        );
        let fresh = CoverageIndex::build(&graph, &catalog);
        assert_eq!(index.len(), fresh.len());
        let hazmat = filter(&[("kind", "hazmat")]);
        let times = index.times(&graph, &catalog, &hazmat);
        assert_eq!(times.teams(), fresh.times(&graph, &catalog, &hazmat).teams());
        let got = index.coverage(&catalog, &times, 30.0 * 60.0, None);
        assert_eq!(got, fresh.coverage(&catalog, &times, 30.0 * 60.0, None));
        assert_eq!(
            got,
            super::super::coverage(&catalog, &graph, &hazmat, 30.0 * 60.0, None)
        );
        // The roads kept for the features changed are those a snap finds now:
        // the moved enterprise's (none within reach, off in the hills) too.
        let roads = catalog.roads.read();
        for (layer, id) in changed.iter().filter(|(l, _)| *l == "enterprises") {
            let now = catalog
                .enterprises
                .read()
                .point(*id)
                .and_then(|p| graph.snap(&roads, p, MAX_SNAP_M));
            assert_eq!(index.road_of(layer, *id), Some(now.map(|s| s.road)), "{layer} {id}");
        }
        assert_eq!(index.road_of("rescue_teams", team), None, "deleted");
    }

    #[test]
    fn a_position_is_found_as_a_binary_search_finds_it() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for gaps in [0.0, 0.001, 0.1, 0.9] {
            // Ids from 5 up, some missing; then every id from 0 past the last looked up.
            let ids: Vec<FeatureId> = (5..3_000).filter(|_| !rng.random_bool(gaps)).collect();
            let reaches = Reaches {
                ends: vec![Ends::NONE; ids.len()],
                roads: vec![NO_ROAD; ids.len()],
                ids,
            };
            for id in 0..3_100 {
                assert_eq!(
                    reaches.position(id),
                    reaches.ids.binary_search(&id).ok(),
                    "{id}, gaps {gaps}"
                );
            }
        }
        assert_eq!(Reaches::default().position(1), None, "none indexed");
    }

    #[test]
    fn a_kept_road_gives_the_snap_of_a_walk_for_the_road() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let graph = RoadGraph::build(&catalog.roads.read());
        let index = CoverageIndex::build(&graph, &catalog);
        let roads = catalog.roads.read();
        let (mut kept, mut none) = (0, 0);
        for layer in ["enterprises", "hazard_sources", "rescue_teams"] {
            let c = catalog.read(layer).unwrap();
            let mut ids = Vec::new();
            c.visit_all(&Filter::all(), &mut |id, _, _| {
                ids.push(id);
                std::ops::ControlFlow::Continue(())
            });
            for id in ids {
                let p = c.point(id).unwrap();
                let walked = graph.snap(&roads, p, MAX_SNAP_M);
                let road = index.road_of(layer, id).expect("indexed");
                assert_eq!(road, walked.as_ref().map(|s| s.road), "{layer} {id}");
                match road {
                    Some(road) => {
                        assert_eq!(graph.snap_to_road(&roads, p, road), walked, "{layer} {id}");
                        kept += 1;
                    }
                    None => none += 1,
                }
            }
        }
        assert!(kept > 1_000 && none > 0, "snapped {kept}, out of reach {none}");
        assert_eq!(index.road_of("roads", 1), None, "roads are not indexed");
    }
}
