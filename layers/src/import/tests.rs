//! Imports through the embedded store: bad rows reported and never stored,
//! re-imports in place, missing rows, coordinates.

use super::*;
use crate::generate::names::credit_code;
use crate::generate::tests::small_dataset;
use crate::store::journal::DatasetIdentity;

const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);

fn store(dir: &std::path::Path) -> Store {
    Store::embedded(small_dataset().clone(), IDENTITY, &dir.join("journal.lkj"))
        .expect("store")
        .0
}

const ENTERPRISES: &str = r#"
layer = "enterprises"
external_id = "编号"
[geometry]
lon = "经度"
lat = "纬度"
[fields]
name = "企业名称"
credit_code = "统一社会信用代码"
address = "地址"
industry = "行业"
risk_level = { column = "风险等级", values = { "重大" = "red", "较大" = "orange", "一般" = "yellow", "低" = "blue" } }
employees = "从业人数"
supervisor = "监管部门"
"#;

const HEADER: &str = "编号,企业名称,统一社会信用代码,地址,行业,风险等级,从业人数,监管部门,经度,纬度";

#[expect(clippy::too_many_arguments, reason = "one argument per column of the header")]
fn row(id: &str, name: &str, code: &str, industry: &str, risk: &str, employees: &str, lon: &str, lat: &str) -> String {
    format!("{id},{name},{code},太原市小店区某路1号,{industry},{risk},{employees},小店区应急管理局,{lon},{lat}")
}

fn options() -> Options {
    Options {
        crs: None,
        delete_missing: false,
        strict: false,
    }
}

fn plan_csv(store: &Store, mapping: &str, csv: &str, options: &Options) -> Plan {
    let mapping = Mapping::parse(mapping).unwrap();
    let mut table = formats::read_csv(csv.as_bytes()).unwrap();
    formats::geometry_from_columns(&mut table, &mapping);
    plan(store.catalog(), &mapping, &table, "CSV", options).unwrap()
}

fn by_external_id(store: &Store, external: &str) -> Option<crate::feature::Feature<crate::model::Enterprise>> {
    store
        .catalog()
        .enterprises
        .read()
        .features()
        .iter()
        .find(|f| f.properties.external_id.as_deref() == Some(external))
        .cloned()
}

#[test]
fn ten_kinds_of_bad_rows_are_each_reported_and_none_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let before = store.catalog().enterprises.read().len();
    let c = |n: u64| credit_code(140_105, 900_000 + n);
    let lines = [
        HEADER.to_owned(),
        row(
            "E1",
            "晋阳化工有限公司",
            &c(1),
            "危险化学品",
            "重大",
            "120",
            "112.55",
            "37.87",
        ), // good (row 2)
        row("E2", "汾河机械厂", &c(2), "metallurgy", "较大", "80", "112.56", "37.86"), // good (row 3)
        row("", "无编号公司", &c(3), "煤矿", "一般", "10", "112.5", "37.8"),           // 1 no external id
        row("E1", "重复编号公司", &c(4), "煤矿", "一般", "10", "112.5", "37.8"),       // 2 duplicate external id
        row("E5", "无坐标公司", &c(5), "煤矿", "一般", "10", "", ""),                  // 3 no coordinates
        row("E6", "坐标错公司", &c(6), "煤矿", "一般", "10", "东经112", "37.8"),       // 4 coordinates not numbers
        row("E7", "经纬颠倒公司", &c(7), "煤矿", "一般", "10", "37.87", "112.55"),     // 5 outside the region
        row("E8", "", &c(8), "煤矿", "一般", "10", "112.5", "37.8"),                   // 6 required field missing
        row("E9", "养殖场", &c(9), "养殖", "一般", "10", "112.5", "37.8"),             // 7 unknown industry
        row(
            "E10",
            "校验错公司",
            &format!("{}0", &c(10)[..17]).replace("00", "01"),
            "煤矿",
            "一般",
            "10",
            "112.5",
            "37.8",
        ), // 8 credit code
        row("E11", "重复代码公司", &c(1), "煤矿", "一般", "10", "112.5", "37.8"),      // 9 duplicate credit code
        row("E12", "人数错公司", &c(12), "煤矿", "一般", "很多", "112.5", "37.8"),     // 10 employees not a number
    ];
    let plan = plan_csv(&store, ENTERPRISES, &lines.join("\n"), &options());
    let r = &plan.report;
    assert_eq!(r.rows, 12);
    assert_eq!((r.created, r.refused_rows), (2, 10), "{}", r.console());
    let fields: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    for expected in [
        (4, "编号"),
        (5, "编号"),
        (6, "geometry"),
        (7, "geometry"),
        (8, "geometry"),
        (9, "name"),
        (10, "行业"),
        (11, "credit_code"),
        (12, "credit_code"),
        (13, "从业人数"),
    ] {
        assert!(
            fields.contains(&expected),
            "{expected:?} not in {fields:?}\n{}",
            r.console()
        );
    }
    assert!(r.problems_csv().starts_with("row,field,reason\n"));
    let report = store_plan(&store, plan);
    assert!(report.stored);
    assert_eq!(store.catalog().enterprises.read().len(), before + 2);
    for bad in ["E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12"] {
        assert!(by_external_id(&store, bad).is_none(), "{bad} was stored");
    }
    let e1 = by_external_id(&store, "E1").unwrap();
    assert_eq!(&*e1.properties.name, "晋阳化工有限公司");
    assert_eq!(e1.properties.risk_level, crate::model::RiskLevel::Major);
    assert_eq!(e1.properties.industry, crate::model::Industry::HazardousChemicals);
    assert_eq!(e1.properties.employees, 120);
    assert!(!e1.properties.county.is_empty(), "the county follows from the location");
}

fn store_plan(store: &Store, plan: Plan) -> Report {
    super::store(store, "import-test", plan).unwrap()
}

#[test]
fn a_reimport_updates_in_place_and_reports_or_deletes_the_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let c = |n: u64| credit_code(140_105, 910_000 + n);
    let first = [
        HEADER.to_owned(),
        row("A", "甲公司", &c(1), "煤矿", "重大", "10", "112.55", "37.87"),
        row("B", "乙公司", &c(2), "煤矿", "低", "10", "112.56", "37.86"),
        row("C", "丙公司", &c(3), "煤矿", "低", "10", "112.57", "37.85"),
    ];
    store_plan(&store, plan_csv(&store, ENTERPRISES, &first.join("\n"), &options()));
    let a_id = by_external_id(&store, "A").unwrap().id;
    let count = store.catalog().enterprises.read().len();
    let second = [
        HEADER.to_owned(),
        row("A", "甲公司（更名）", &c(1), "煤矿", "重大", "12", "112.55", "37.87"),
        row("B", "乙公司", &c(2), "煤矿", "低", "10", "112.56", "37.86"),
    ];
    let plan = plan_csv(&store, ENTERPRISES, &second.join("\n"), &options());
    assert_eq!(
        (plan.report.created, plan.report.updated, plan.report.unchanged),
        (0, 1, 1)
    );
    assert_eq!(plan.report.missing, vec!["C".to_owned()]);
    store_plan(&store, plan);
    let a = by_external_id(&store, "A").unwrap();
    assert_eq!(
        (a.id, &*a.properties.name, a.properties.employees),
        (a_id, "甲公司（更名）", 12)
    );
    assert_eq!(store.catalog().enterprises.read().len(), count, "updated in place");
    assert!(by_external_id(&store, "C").is_some(), "kept without --delete-missing");
    let delete = Options {
        delete_missing: true,
        ..options()
    };
    let plan = plan_csv(&store, ENTERPRISES, &second.join("\n"), &delete);
    assert_eq!((plan.report.deleted, plan.events.len()), (1, 1));
    store_plan(&store, plan);
    assert!(by_external_id(&store, "C").is_none());
    // The journal holds it all: a reopened store sees the same.
    drop(store);
    let again = self::store(dir.path());
    assert_eq!(&*by_external_id(&again, "A").unwrap().properties.name, "甲公司（更名）");
    assert!(by_external_id(&again, "C").is_none());
}

#[test]
fn an_import_numbers_what_it_creates_along_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let first_new = store.catalog().enterprises.read().next_id();
    let c = |n: u64| credit_code(140_105, 920_000 + n);
    // Rows alternate between Taiyuan and Datong, 280 km apart.
    let lines: Vec<String> = std::iter::once(HEADER.to_owned())
        .chain((0..40u64).map(|n| {
            let (lon, lat) = if n % 2 == 0 { (112.55, 37.87) } else { (113.30, 40.08) };
            let step = (n / 2) as f64 * 0.001;
            row(
                &format!("R{n}"),
                &format!("{n}号公司"),
                &c(n),
                "煤矿",
                "低",
                "10",
                &format!("{:.3}", lon + step),
                &format!("{:.3}", lat + step),
            )
        }))
        .collect();
    let report = store_plan(&store, plan_csv(&store, ENTERPRISES, &lines.join("\n"), &options()));
    assert_eq!(report.created, 40);
    let ids = |parity: u64| -> Vec<FeatureId> {
        let mut ids: Vec<FeatureId> = (0..40)
            .filter(|n| n % 2 == parity)
            .map(|n| by_external_id(&store, &format!("R{n}")).unwrap().id)
            .collect();
        ids.sort_unstable();
        ids
    };
    // Each city's twenty enterprises are twenty consecutive ids, and the
    // forty are the forty ids after those stored before.
    let (taiyuan, datong) = (ids(0), ids(1));
    for city in [&taiyuan, &datong] {
        assert!(city.windows(2).all(|w| w[1] == w[0] + 1), "{city:?}");
    }
    let mut all = [taiyuan, datong].concat();
    all.sort_unstable();
    assert_eq!(all, (first_new..first_new + 40).collect::<Vec<_>>());
}

#[test]
fn strict_refuses_the_whole_file_for_one_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let lines = [
        HEADER.to_owned(),
        row(
            "S1",
            "好公司",
            &credit_code(140_105, 920_001),
            "煤矿",
            "低",
            "10",
            "112.55",
            "37.87",
        ),
        row("S2", "坏公司", "123", "煤矿", "低", "10", "112.55", "37.87"),
    ];
    let strict = Options {
        strict: true,
        ..options()
    };
    let plan = plan_csv(&store, ENTERPRISES, &lines.join("\n"), &strict);
    assert_eq!(plan.report.refused_rows, 1);
    assert!(plan.events.is_empty());
}

#[test]
fn a_gcj02_register_lands_within_a_metre_of_the_known_wgs84_points() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let known = [(112.549, 37.870), (111.52, 36.08), (113.12, 36.19), (112.73, 38.42)];
    let mut lines = vec![HEADER.to_owned()];
    for (i, (lon, lat)) in known.iter().enumerate() {
        let g = crs::wgs84_to_gcj02(geo::Coord { x: *lon, y: *lat });
        lines.push(row(
            &format!("G{i}"),
            &format!("火星公司{i}"),
            &credit_code(140_105, 930_000 + i as u64),
            "煤矿",
            "低",
            "5",
            &format!("{:.9}", g.x),
            &format!("{:.9}", g.y),
        ));
    }
    let gcj = Options {
        crs: Some(Crs::Gcj02),
        ..options()
    };
    let plan = plan_csv(&store, ENTERPRISES, &lines.join("\n"), &gcj);
    assert_eq!(plan.report.created, known.len(), "{}", plan.report.console());
    store_plan(&store, plan);
    for (i, (lon, lat)) in known.iter().enumerate() {
        let f = by_external_id(&store, &format!("G{i}")).unwrap();
        let geo::Geometry::Point(p) = f.geometry else { panic!() };
        let d = crate::geodesy::distance_m(p.0, geo::Coord { x: *lon, y: *lat });
        assert!(d < 1.0, "G{i} landed {d} m away");
    }
}

#[test]
fn hazard_sources_are_linked_checked_and_graded_on_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let enterprise = store.catalog().enterprises.read().features()[0].clone();
    let code = enterprise.properties.credit_code.clone();
    let geo::Geometry::Point(at) = enterprise.geometry else {
        panic!()
    };
    let mapping = r#"
layer = "hazard_sources"
external_id = "编号"
[geometry]
lon = "经度"
lat = "纬度"
[fields]
name = "名称"
enterprise = "企业信用代码"
people_within_500m = "周边500米人数"
"substances.0.substance" = "物质1"
"substances.0.quantity_t" = "数量1"
"substances.1.substance" = "物质2"
"substances.1.quantity_t" = "数量2"
"responsible_persons.principal.name" = "主要负责人"
"responsible_persons.principal.phone" = "主要负责人电话"
"responsible_persons.technical.name" = "技术负责人"
"responsible_persons.technical.phone" = "技术负责人电话"
"responsible_persons.operational.name" = "操作负责人"
"responsible_persons.operational.phone" = "操作负责人电话"
"#;
    let header = "编号,名称,企业信用代码,周边500米人数,物质1,数量1,物质2,数量2,主要负责人,主要负责人电话,技术负责人,技术负责人电话,操作负责人,操作负责人电话,经度,纬度";
    let people = "张三,13900000001,李四,13900000002,王五,13900000003";
    let (x, y) = (at.x(), at.y());
    let csv = [
        header.to_owned(),
        // chlorine 4·40/5 = 32, ammonia 2·100/10 = 20; 120 people → α 2; R = 104 → level 1
        format!("H1,液氯储罐区,{code},120,氯,40,氨,100,{people},{x},{y}"),
        format!("H2,未知物质,{code},10,液氧,5,,,{people},{x},{y}"),
        format!("H3,数量为零,{code},10,氯,0,,,{people},{x},{y}"),
        format!("H4,无主企业,91000000000000000X,10,氯,10,,,{people},{x},{y}"),
    ];
    let plan = plan_csv(&store, mapping, &csv.join("\n"), &options());
    let r = &plan.report;
    assert_eq!((r.created, r.refused_rows), (1, 3), "{}", r.console());
    let fields: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert!(fields.contains(&(3, "物质1")), "{fields:?}");
    assert!(fields.contains(&(4, "substances.0.quantity_t")), "{fields:?}");
    assert!(fields.contains(&(5, "enterprise")), "{fields:?}");
    store_plan(&store, plan);
    let hazards = store.catalog().hazard_sources.read();
    let h = hazards
        .features()
        .iter()
        .find(|f| f.properties.external_id.as_deref() == Some("H1"))
        .unwrap();
    assert_eq!(h.properties.enterprise_id, enterprise.id);
    assert_eq!((h.properties.r_value, h.properties.level), (104.0, Some(1)));
}

#[test]
fn roads_and_unknown_layers_are_refused_with_a_reason() {
    assert!(layer_of("roads").unwrap_err().to_string().contains("OpenStreetMap"));
    assert!(
        layer_of("counties")
            .unwrap_err()
            .to_string()
            .contains("does not take an import")
    );
    assert_eq!(layer_of("shelters").unwrap(), "shelters");
}

#[test]
fn gas_pipes_get_their_length_and_shared_nodes_from_the_geometry() {
    let a = geo::Coord { x: 112.5, y: 37.8 };
    let b = geo::Coord {
        x: 112.5000000004,
        y: 37.8,
    };
    assert_eq!(node_at(a), node_at(b), "within 0.1 m: one node");
    assert_ne!(node_at(a), node_at(geo::Coord { x: 112.50001, y: 37.8 }));
    assert!(node_at(a) >= 1 << 40);
}

#[test]
fn every_example_mapping_reads_and_names_only_fields_its_layer_has() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mappings");
    let catalog = crate::Catalog::new(small_dataset().clone());
    let mut layers = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mapping = Mapping::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let layer = layer_of(&mapping.layer).unwrap();
        let collection = catalog.read(layer).unwrap();
        let mut json = Vec::new();
        assert!(collection.write_feature(collection.next_id() - 1, &mut json));
        let sample: J = serde_json::from_slice(&json).unwrap();
        let known = sample["properties"].as_object().unwrap();
        for target in mapping.fields.keys().chain(mapping.defaults.keys()) {
            let top = target.split('.').next().unwrap();
            assert!(
                known.contains_key(top) || (layer == "hazard_sources" && top == "enterprise"),
                "{}: {layer} has no field {top}",
                path.display()
            );
        }
        layers.push(layer);
    }
    layers.sort_unstable();
    let mut all = LAYERS.to_vec();
    all.sort_unstable();
    assert_eq!(layers, all, "an example mapping for every layer that takes an import");
}

#[test]
fn a_zip_without_a_shapefile_or_with_names_reaching_out_is_refused_before_gdal_reads_it() {
    use std::io::Write;
    let zip_of = |names: &[&str]| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for name in names {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(b"not really a shapefile").unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let refused = |names: &[&str]| formats::read_shapefile_zip(&zip_of(names)).unwrap_err();
    assert!(refused(&["readme.txt"]).contains("no .shp"));
    assert!(refused(&["../a.shp", "../a.shx", "../a.dbf"]).contains("outside the archive"));
    assert!(refused(&["x/../../a.shp"]).contains("outside the archive"));
    assert!(refused(&["/tmp/a.shp"]).contains("outside the archive"));
    assert!(refused(&["a.shp", "dir\\..\\a.dbf"]).contains("outside the archive"));
    assert!(refused(&["a.shp", "a.dbf"]).contains("no a.shx"));
    assert!(refused(&["a.shp", "a.shx"]).contains("no a.dbf"));
    assert!(refused(&["a.shp", "b/b.SHP"]).contains("2 .shp files"));
    assert!(
        formats::read_shapefile_zip(b"PK not a zip")
            .unwrap_err()
            .contains("not a readable zip")
    );
    // The parts found, GDAL reads them: this "Shapefile" is not one, and says so.
    let err = formats::read_shapefile_zip(&zip_of(&["d/A.SHP", "d/A.shx", "d/A.dbf"])).unwrap_err();
    assert!(err.contains("GDAL"), "{err}");
}
