use super::choropleth::{self, Level, Measure, Method, Per, Request, class_of, jenks_breaks, quantile_breaks};
use super::grid::{FINE, RiskGrid};
use super::method::{Counts, RiskMethod};
use crate::catalog::Catalog;
use crate::collection::Collection;
use crate::event::Event;
use crate::feature::FeatureId;
use crate::model::{Industry, RiskLevel, Severity};
use approx::assert_relative_eq;
use h3o::{LatLng, Resolution};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

#[test]
fn one_red_chemical_works_in_an_empty_cell_scores_by_the_stated_formula() {
    let m = RiskMethod::default();
    let c = Counts::enterprise(Industry::HazardousChemicals, RiskLevel::Major);
    // 10 points (red) × 1.5 (hazardous chemicals), nobody living there: exposure 1.
    let s = m.score(&c, 5.0);
    assert_relative_eq!(s.enterprise, 15.0);
    assert_relative_eq!(s.exposure, 1.0);
    assert_relative_eq!(s.density, 3.0);
    // 100 · (1 − 0.5^(3 / 1)) = 87.5: red.
    assert_relative_eq!(s.score, 87.5);
    assert_eq!(s.class, "red");
    // The same works over 30 km² are 0.5 points per km²: 100 · (1 − 0.5^0.5) ≈ 29.3, yellow.
    let s = m.score(&c, 30.0);
    assert_relative_eq!(s.score, 100.0 * (1.0 - 0.5f64.sqrt()), epsilon = 1e-9);
    assert_eq!(s.class, "yellow");
}

#[test]
fn every_part_counts_with_its_weight_and_people_raise_the_score() {
    let m = RiskMethod::default();
    let mut c = Counts::default();
    c.add(&Counts::enterprise(Industry::ConfinedSpace, RiskLevel::Low), true); // 0.5
    c.add(&Counts::hazard(Some(2), 60.0, m.hazard_r_cap), true); // 25 + 6
    c.add(&Counts::hazard(Some(1), 500.0, m.hazard_r_cap), true); // 40 + 20 (R capped at 200)
    c.add(&Counts::zone(Severity::High, 10_000_000), true); // 10 km² × 0.4 = 4
    c.add(&Counts::danger(true, true), true); // major, overdue: 8 × 2
    c.add(&Counts::danger(false, false), true); // general: 1
    let s = m.score(&c, 10.0);
    assert_relative_eq!(s.enterprise, 0.5);
    assert_relative_eq!(s.hazard, 91.0);
    assert_relative_eq!(s.zone, 4.0);
    assert_relative_eq!(s.danger, 17.0);
    assert_relative_eq!(s.exposure, 1.0);
    let bare = s.score;
    // 900 residents on 10 km²: 90 per km² → 1 + 0.5·log10(1.9).
    c.add(&Counts::people(900), true);
    let s = m.score(&c, 10.0);
    assert_relative_eq!(s.exposure, 1.0 + 0.5 * 1.9f64.log10(), epsilon = 1e-12);
    assert!(s.score > bare);
    // Taking it all away again leaves nothing.
    c.add(&Counts::people(900), false);
    c.add(&Counts::danger(false, false), false);
    assert_relative_eq!(m.score(&c, 10.0).score, bare.min(m.score(&c, 10.0).score));
}

#[test]
fn classes_break_at_the_method_s_scores() {
    let m = RiskMethod::default();
    assert_eq!(m.class_of(0.01), "blue");
    assert_eq!(m.class_of(24.99), "blue");
    assert_eq!(m.class_of(25.0), "yellow");
    assert_eq!(m.class_of(50.0), "orange");
    assert_eq!(m.class_of(75.0), "red");
    assert!(m.validate().is_ok());
    let bad = RiskMethod {
        class_breaks: [50.0, 25.0, 75.0],
        ..RiskMethod::default()
    };
    assert!(bad.validate().unwrap_err().contains("class_breaks"));
    let mut unknown = RiskMethod::default();
    unknown.industry.insert("bakery".into(), 2.0);
    assert!(unknown.validate().unwrap_err().contains("bakery"));
}

#[test]
fn jenks_finds_the_obvious_groups_and_quantiles_split_evenly() {
    let v = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 50.0, 51.0];
    assert_eq!(jenks_breaks(&v, 3), vec![10.0, 50.0]);
    let q: Vec<f64> = (1..=8).map(f64::from).collect();
    assert_eq!(quantile_breaks(&q, 4), vec![3.0, 5.0, 7.0]);
    assert_eq!(class_of(2.9, &[3.0, 5.0]), 0);
    assert_eq!(class_of(3.0, &[3.0, 5.0]), 1);
    assert_eq!(class_of(9.0, &[3.0, 5.0]), 2);
}

fn small() -> Catalog {
    Catalog::new(crate::generate::tests::small_dataset().clone())
}

/// Enterprises, hazard sources and people by county, counted from the
/// catalog directly (not through the grid).
fn recount(catalog: &Catalog) -> HashMap<u32, ([u32; 4], u32, u64)> {
    let mut out: HashMap<u32, ([u32; 4], u32, u64)> = HashMap::new();
    for e in catalog.enterprises.read().features() {
        let k = RiskLevel::ALL
            .iter()
            .position(|c| *c == e.properties.risk_level)
            .unwrap_or(3);
        out.entry(e.properties.county_id).or_default().0[k] += 1;
    }
    for h in catalog.hazard_sources.read().features() {
        if h.properties.level.is_some() {
            out.entry(h.properties.county_id).or_default().1 += 1;
        }
    }
    for p in catalog.population.read().features() {
        out.entry(p.properties.county_id).or_default().2 += u64::from(p.properties.population);
    }
    out
}

fn assert_sums_agree(catalog: &Catalog, grid: &RiskGrid) {
    let totals = grid.county_totals();
    // The county totals are the sums of the resolution-7 cells placed under each county.
    let mut from_cells: HashMap<u32, Counts> = HashMap::new();
    for (_, county, counts) in grid.fine_by_county() {
        from_cells.entry(county).or_default().add(&counts, true);
    }
    assert_eq!(from_cells, totals);
    // ... and they are what the catalog holds, county by county.
    let direct = recount(catalog);
    for (county, (colours, hazards, people)) in &direct {
        let t = totals.get(county).cloned().unwrap_or_default();
        assert_eq!(t.enterprises_by_colour(), *colours, "county {county}");
        assert_eq!(t.hazard_total(), *hazards, "county {county}");
        assert_eq!(t.population, *people, "county {county}");
    }
    // Every resolution holds the same totals.
    let all = |res: Resolution| {
        let mut sum = Counts::default();
        for c in grid.cells(res, None, 0.0, None) {
            sum.add(&c.counts, true);
        }
        sum
    };
    let fine = all(Resolution::Seven);
    assert_eq!(all(Resolution::Six), fine);
    assert_eq!(all(Resolution::Five), fine);
    // The choropleth shows the same numbers.
    let request = Request {
        level: Level::County,
        measure: Measure::Enterprises,
        per: Per::Total,
        method: Method::Quantiles,
        classes: 4,
        breaks: None,
    };
    let map = choropleth::choropleth(catalog, grid, &request, None).expect("choropleth");
    for r in &map.regions {
        let county: u32 = r.id.parse().expect("county id");
        let want = direct.get(&county).map_or(0, |d| d.0.iter().sum::<u32>());
        assert_eq!(r.value, f64::from(want), "county {county}");
    }
}

fn commit(catalog: &Catalog, grid: &RiskGrid, event: Event) -> (FeatureId, Vec<h3o::CellIndex>) {
    let mut layer = catalog.write(event.collection()).expect("layer");
    let prepared = layer.prepare(&event).expect("prepare");
    let id = prepared.id;
    let mut touched = grid.fold(&*layer, id, false);
    layer.commit(prepared).expect("commit");
    touched.extend(grid.fold(&*layer, id, true));
    touched.sort_unstable();
    touched.dedup();
    (id, touched)
}

#[test]
fn a_new_red_enterprise_changes_exactly_the_cells_it_lies_in() {
    let catalog = small();
    let grid = RiskGrid::new(RiskMethod::default(), &catalog);
    let before: HashMap<_, _> = Resolution::range(Resolution::Five, Resolution::Seven)
        .flat_map(|r| grid.cells(r, None, 0.0, None))
        .map(|c| (c.cell, c.counts))
        .collect();
    let mut feature = serde_json::to_value(&catalog.enterprises.read().features()[0]).expect("json");
    feature.as_object_mut().expect("object").remove("id");
    let at = [112.55, 37.87];
    feature["geometry"] = serde_json::json!({"type": "Point", "coordinates": at});
    feature["properties"]["risk_level"] = "red".into();
    let event = Event::FeatureCreated {
        collection: "enterprises".into(),
        feature,
    };
    let (_, touched) = commit(&catalog, &grid, event);
    let cell = LatLng::new(at[1], at[0]).expect("point").to_cell(FINE);
    let want: Vec<_> = [Resolution::Five, Resolution::Six, Resolution::Seven]
        .iter()
        .filter_map(|r| cell.parent(*r))
        .collect();
    let mut want_sorted = want.clone();
    want_sorted.sort_unstable();
    assert_eq!(touched, want_sorted);
    let after: HashMap<_, _> = Resolution::range(Resolution::Five, Resolution::Seven)
        .flat_map(|r| grid.cells(r, None, 0.0, None))
        .map(|c| (c.cell, c.counts))
        .collect();
    let changed: Vec<_> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| *k)
        .collect();
    let mut changed = changed;
    changed.sort_unstable();
    assert_eq!(changed, want_sorted, "only the three cells of the point change");
    for c in want {
        let red = after[&c].enterprises_by_colour()[0];
        let was = before.get(&c).map_or(0, |b| b.enterprises_by_colour()[0]);
        assert_eq!(red, was + 1);
    }
    assert_sums_agree(&catalog, &grid);
}

#[test]
fn county_sums_of_the_grid_equal_the_choropleth_after_random_edits() {
    let catalog = small();
    let grid = RiskGrid::new(RiskMethod::default(), &catalog);
    assert_sums_agree(&catalog, &grid);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let template = serde_json::to_value(&catalog.enterprises.read().features()[0]).expect("json");
    let mut created = Vec::new();
    for _ in 0..60 {
        let event = match rng.random_range(0..4) {
            0 | 1 => {
                let mut f = template.clone();
                f.as_object_mut().expect("object").remove("id");
                // Anywhere in the county box of the template, even across a border:
                // the county is the record's, the cell the point's.
                let lon = 112.0 + rng.random_range(0.0..1.5);
                let lat = 37.2 + rng.random_range(0.0..1.2);
                f["geometry"] = serde_json::json!({"type": "Point", "coordinates": [lon, lat]});
                f["properties"]["risk_level"] = RiskLevel::ALL[rng.random_range(0..4)].code().into();
                f["properties"]["county_id"] = rng.random_range(1..=119u32).into();
                Event::FeatureCreated {
                    collection: "enterprises".into(),
                    feature: f,
                }
            }
            2 if !created.is_empty() => {
                let id = created.swap_remove(rng.random_range(0..created.len()));
                Event::FeatureDeleted {
                    collection: "enterprises".into(),
                    id,
                }
            }
            _ => {
                let hazards = catalog.hazard_sources.read();
                let h = &hazards.features()[rng.random_range(0..hazards.len())];
                let mut properties = serde_json::Map::new();
                properties.insert("people_within_500m".into(), rng.random_range(0..300u32).into());
                let id = h.id;
                drop(hazards);
                Event::FeatureUpdated {
                    collection: "hazard_sources".into(),
                    id,
                    properties,
                    geometry: None,
                }
            }
        };
        let created_now = matches!(event, Event::FeatureCreated { .. });
        let (id, _) = commit(&catalog, &grid, event);
        if created_now {
            created.push(id);
        }
    }
    assert_sums_agree(&catalog, &grid);
    // A grid built afresh from the edited catalog holds the same cells.
    let fresh = RiskGrid::new(RiskMethod::default(), &catalog);
    for res in [Resolution::Five, Resolution::Seven] {
        let a: Vec<_> = grid
            .cells(res, None, 0.0, None)
            .into_iter()
            .map(|c| (c.cell, c.counts))
            .collect();
        let b: Vec<_> = fresh
            .cells(res, None, 0.0, None)
            .into_iter()
            .map(|c| (c.cell, c.counts))
            .collect();
        assert_eq!(a, b);
    }
}

#[test]
fn zones_are_placed_by_cell_centre_and_removed_exactly() {
    let catalog = small();
    let grid = RiskGrid::new(RiskMethod::default(), &catalog);
    let zone_area = |g: &RiskGrid| -> u64 { g.county_totals().values().map(|c| c.zone_m2.iter().sum::<u64>()).sum() };
    let before = zone_area(&grid);
    assert!(before > 0, "the generated zones cover cells");
    let id = catalog.disaster_zones.read().features()[0].id;
    let (_, touched) = commit(
        &catalog,
        &grid,
        Event::FeatureDeleted {
            collection: "disaster_zones".into(),
            id,
        },
    );
    assert!(!touched.is_empty());
    let after = zone_area(&grid);
    assert!(after < before);
    let fresh = RiskGrid::new(RiskMethod::default(), &catalog);
    assert_eq!(zone_area(&fresh), after);
    let _ = &catalog.disaster_zones.read().len();
    let c: &dyn Collection = &*catalog.counties.read();
    assert!(c.len() > 100);
}

mod regrade {
    use crate::event::Event;
    use crate::generate::tests::small_dataset;
    use crate::model::{Substance, SubstanceOnSite};
    use crate::risk::regrade::what_if;
    use crate::store::Store;
    use crate::store::journal::DatasetIdentity;

    const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);

    fn store(dir: &std::path::Path) -> Store {
        Store::embedded(small_dataset().clone(), IDENTITY, &dir.join("journal.lkj"))
            .expect("store")
            .0
    }

    fn on_site(substance: Substance, quantity_t: f64) -> SubstanceOnSite {
        SubstanceOnSite {
            substance,
            quantity_t,
            container: None,
        }
    }

    #[test]
    fn a_what_if_grades_the_proposal_by_gb_18218_and_keeps_what_it_does_not_change() {
        let source = small_dataset().hazard_sources[0].properties.clone();
        // Chlorine 40 t: β 4 · 40/5 = 32; 120 people → α 2: R 64, level 2.
        let answer = what_if(&source, Some(vec![on_site(Substance::Chlorine, 40.0)]), Some(120)).expect("graded");
        assert_eq!(answer.proposed.r, 64.0);
        assert_eq!(answer.proposed.level, Some(2));
        assert_eq!(answer.current.r, (source.r_value * 100.0).round() / 100.0);
        assert_eq!(answer.current.level, source.level);
        // Nobody outside: α 0.5, R 16, level 3.
        let nobody = what_if(&source, Some(vec![on_site(Substance::Chlorine, 40.0)]), Some(0)).expect("graded");
        assert_eq!((nobody.proposed.r, nobody.proposed.level), (16.0, Some(3)));
        // Only people proposed: the substances stay.
        let people = what_if(&source, None, Some(source.people_within_500m)).expect("graded");
        assert_eq!(people.proposed, people.current);
        assert!(!people.level_changes);
        assert!(what_if(&source, Some(Vec::new()), None).is_err());
        assert!(what_if(&source, Some(vec![on_site(Substance::Ammonia, -1.0)]), None).is_err());
    }

    #[test]
    fn an_edit_that_changes_the_grade_is_recorded_as_hazard_regraded_in_the_same_unit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let (id, before_level, before_r, people) = {
            let hazards = store.catalog().hazard_sources.read();
            let h = hazards
                .features()
                .iter()
                .find(|h| h.properties.level.is_some() && h.properties.people_within_500m < 100)
                .expect("a graded source with fewer than 100 people around");
            (
                h.id,
                h.properties.level,
                h.properties.r_value,
                h.properties.people_within_500m,
            )
        };
        // Many more people: α rises to 2, so R rises.
        let mut properties = serde_json::Map::new();
        properties.insert("people_within_500m".into(), 5000.into());
        let record = store
            .submit(
                "planner",
                Event::FeatureUpdated {
                    collection: "hazard_sources".into(),
                    id,
                    properties,
                    geometry: None,
                },
            )
            .expect("stored");
        assert_eq!(
            record.event.kind(),
            "feature_updated",
            "the caller gets the event it asked for"
        );
        let after_r = store
            .catalog()
            .hazard_sources
            .read()
            .feature(id)
            .expect("source")
            .properties
            .r_value;
        assert!(after_r > before_r, "{before_r} → {after_r} ({people} → 5000 people)");
        let regraded: Vec<_> = store
            .operations()
            .log()
            .iter()
            .filter(|r| r.event.kind() == "hazard_regraded")
            .cloned()
            .collect();
        assert_eq!(regraded.len(), 1);
        assert_eq!(regraded[0].seq, record.seq + 1, "stored right after the edit");
        assert_eq!(regraded[0].actor, "planner");
        match &regraded[0].event {
            Event::HazardRegraded {
                hazard_source,
                from_r,
                to_r,
                from_level,
                reasons,
                location,
                ..
            } => {
                assert_eq!(*hazard_source, id);
                assert_eq!((*from_r, *to_r), (before_r, after_r));
                assert_eq!(*from_level, before_level);
                assert_eq!(reasons, &["people_within_500m".to_owned()]);
                assert!(location.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(regraded[0].event.collection(), "hazard_sources");
        // An edit that leaves the grade alone records no regrade.
        let mut name = serde_json::Map::new();
        name.insert("name".into(), "改名的罐区".into());
        store
            .submit(
                "planner",
                Event::FeatureUpdated {
                    collection: "hazard_sources".into(),
                    id,
                    properties: name,
                    geometry: None,
                },
            )
            .expect("stored");
        let count = |s: &Store| {
            s.operations()
                .log()
                .iter()
                .filter(|r| r.event.kind() == "hazard_regraded")
                .count()
        };
        assert_eq!(count(&store), 1);
        let last = store.last_seq();
        drop(store);
        // The journal replays, regrade and all.
        let again = self::store(dir.path());
        assert_eq!(again.last_seq(), last);
        assert_eq!(count(&again), 1);
        assert_eq!(
            again
                .catalog()
                .hazard_sources
                .read()
                .feature(id)
                .expect("source")
                .properties
                .r_value,
            after_r
        );
    }
}

#[test]
fn a_choropleth_of_no_counties_has_a_finite_legend() {
    let catalog = small();
    let grid = RiskGrid::new(RiskMethod::default(), &catalog);
    let request = Request {
        level: Level::City,
        measure: Measure::Score,
        per: Per::Total,
        method: Method::Fixed,
        classes: 4,
        breaks: None,
    };
    let none = std::collections::HashSet::new();
    let map = choropleth::choropleth(&catalog, &grid, &request, Some(&none)).expect("choropleth");
    assert!(map.regions.is_empty());
    assert!(map.legend.iter().all(|l| l.from.is_finite() && l.to.is_finite()));
    assert_eq!(map.legend.len(), 4);
}

/// The share of resolution-7 cells in each class (red, orange, yellow, blue).
fn class_shares(grid: &RiskGrid) -> [f64; 4] {
    let cells = grid.cells(Resolution::Seven, None, 0.0, None);
    let mut n = [0usize; 4];
    for c in &cells {
        n[["red", "orange", "yellow", "blue"]
            .iter()
            .position(|k| *k == c.score.class)
            .expect("a class")] += 1;
    }
    n.map(|k| k as f64 / cells.len() as f64)
}

/// The scale-1 dataset with every enterprise `k` times, each copy a few
/// metres from the first (the same cells): a register `k` times as large on
/// the same ground, as `--scale k` makes.
fn scaled(k: usize) -> Catalog {
    let mut data = crate::generate::tests::small_dataset().clone();
    let originals = data.enterprises.clone();
    let mut next = originals.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    for copy in 1..k {
        for f in &originals {
            let mut f = f.clone();
            f.id = next;
            next += 1;
            if let geo::Geometry::Point(p) = &mut f.geometry {
                *p = geo::Point::new(p.x() + copy as f64 * 1e-5, p.y());
            }
            data.enterprises.push(f);
        }
    }
    Catalog::new(data)
}

#[test]
fn class_shares_are_about_the_same_at_scale_1_and_10() {
    let one = RiskGrid::new(RiskMethod::default(), &small());
    let ten = RiskGrid::new(RiskMethod::default(), &scaled(10));
    let (a, b) = (class_shares(&one), class_shares(&ten));
    // The calibration: the density that scores 50 rises with the register.
    assert!(
        ten.method().half_score_density > 3.0 * one.method().half_score_density,
        "{} vs {}",
        ten.method().half_score_density,
        one.method().half_score_density
    );
    // Orange and red together are (about: ties) the 10 % above the 90th percentile.
    let hot = |s: [f64; 4]| s[0] + s[1];
    assert!((hot(a) - 0.10).abs() < 0.02, "scale 1: {a:?}");
    assert!((hot(b) - 0.10).abs() < 0.02, "scale 10: {b:?}");
    for i in 0..4 {
        assert!((a[i] - b[i]).abs() < 0.05, "class {i}: scale 1 {a:?}, scale 10 {b:?}");
    }
    // With the scale-1 density fixed, scale 10 scores as if it were: far more red.
    let fixed = RiskMethod {
        normalisation: super::method::Normalisation::Fixed,
        half_score_density: one.method().half_score_density,
        ..RiskMethod::default()
    };
    let red_fixed = ten
        .cells(Resolution::Seven, None, 0.0, None)
        .iter()
        .filter(|c| fixed.score(&c.counts, c.cell.area_km2()).class == "red")
        .count() as f64;
    let cells = ten.cells(Resolution::Seven, None, 0.0, None).len() as f64;
    assert!(
        red_fixed / cells > 3.0 * a[0],
        "fixed at scale 10: {red_fixed} of {cells}, scale 1: {a:?}"
    );
    println!(
        "red/orange/yellow/blue: scale 1 {a:?}, scale 10 {b:?}, scale 10 fixed red {}",
        red_fixed / cells
    );
}

#[test]
fn the_percentile_is_by_nearest_rank() {
    use super::method::percentile;
    let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0];
    assert_eq!(percentile(&mut v, 90.0), Some(9.0));
    assert_eq!(percentile(&mut v, 50.0), Some(5.0));
    assert_eq!(percentile(&mut v, 1.0), Some(1.0));
    assert_eq!(percentile(&mut [], 90.0), None);
}

#[test]
fn the_grid_built_at_once_equals_the_grid_folded_feature_by_feature() {
    // Built at start-up: the enterprises summed on every core by cell and
    // county, then placed. Folded: each feature as an edit would add it.
    let catalog = scaled(6);
    let method = RiskMethod {
        normalisation: super::method::Normalisation::Fixed,
        ..RiskMethod::default()
    };
    let at_once = RiskGrid::new(method.clone(), &catalog);
    let folded = RiskGrid::new(method, &Catalog::new(crate::catalog::Dataset::default()));
    // Counties first: zones are placed by them.
    for layer in [
        "counties",
        "population",
        "disaster_zones",
        "hazard_sources",
        "enterprises",
    ] {
        let c = catalog.read(layer).expect("layer");
        let mut ids = Vec::new();
        c.visit_all(&crate::filter::Filter::all(), &mut |id, _, _| {
            ids.push(id);
            std::ops::ControlFlow::Continue(())
        });
        for id in ids {
            folded.fold(&*c, id, true);
        }
    }
    let sorted = |g: &RiskGrid| {
        let mut v = g.fine_by_county();
        v.sort_by_key(|(cell, county, _)| (*cell, *county));
        v
    };
    assert!(catalog.enterprises.read().len() > 65_536 / 2);
    assert_eq!(sorted(&at_once), sorted(&folded));
    assert_eq!(at_once.county_totals(), folded.county_totals());
    assert_eq!(at_once.cell_counts(), folded.cell_counts());
}
