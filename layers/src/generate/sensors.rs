//! Sensors: every major hazard source gets gas detectors for its substances
//! (toxic in ppm, combustible in % LEL) and level, pressure and temperature
//! on each tank, a flow meter on its loading area and a camera; every gas
//! station pressure and flow on its outlet and a gas detector; high and
//! sub-high mains pressure at their valves; every county a weather station.
//! Thresholds and ranges are those of `docs/monitoring.md`.

use super::places::Province;
use super::sample::{offset_km, round6};
use crate::feature::Feature;
use crate::model::{
    COMBUSTIBLE_FIRST_LEVEL_PCT_LEL, COMBUSTIBLE_SECOND_LEVEL_PCT_LEL, GasStation, GasValve, HazardSource, MonitorKind,
    PressureClass, Sensor, SensorKind, SensorSite, Substance, Thresholds, is_combustible, toxic_thresholds_ppm,
};
use geo::{Coord, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Operating window of a gas main by pressure class (GB 50028-2006 classes:
/// high 1.6–4.0 MPa, sub-high 0.4–1.6 MPa, medium 0.01–0.4 MPa, low below
/// 10 kPa): unit, range, low alarm, high alarm, high-high alarm (the class's
/// upper bound).
pub fn main_pressure(class: PressureClass) -> (&'static str, [f64; 2], Thresholds) {
    let t = |low, high, high_high| Thresholds {
        high: Some(high),
        high_high: Some(high_high),
        low: Some(low),
        rise_per_min: None,
    };
    match class {
        PressureClass::High => ("MPa", [0.0, 6.0], t(1.8, 3.6, 4.0)),
        PressureClass::SubHigh => ("MPa", [0.0, 2.5], t(0.5, 1.4, 1.6)),
        PressureClass::Medium => ("MPa", [0.0, 0.6], t(0.1, 0.35, 0.4)),
        PressureClass::Low => ("kPa", [0.0, 15.0], t(1.5, 5.0, 10.0)),
    }
}

/// A tank's design pressure in MPa: pressurised liquefied gases (β ≥ 1.5 in
/// GB 18218: toxic and flammable gases) 1.6 MPa, atmospheric liquids 0.6 MPa.
fn tank_design_pressure(substance: Substance) -> f64 {
    if substance.correction() >= 1.5 { 1.6 } else { 0.6 }
}

struct Out<'p> {
    province: &'p Province<'p>,
    sensors: Vec<Feature<Sensor>>,
}

impl Out<'_> {
    fn push(&mut self, at: Coord<f64>, mut sensor: Sensor) {
        let at = round6(at);
        if let Some(county) = self.province.county_at(at) {
            sensor.county_id = county.id;
            sensor.county.clone_from(&county.county);
            sensor.city.clone_from(&county.city);
        }
        self.sensors.push(Feature {
            id: self.sensors.len() as u64 + 1,
            geometry: Point(at).into(),
            properties: sensor,
        });
    }
}

fn sensor(kind: SensorKind, site: SensorSite, site_id: u64, site_name: &str, name: String) -> Sensor {
    Sensor {
        name,
        kind,
        site,
        site_id,
        site_name: site_name.to_owned(),
        hazard_source_id: (site == SensorSite::HazardSource).then_some(site_id),
        substance: None,
        unit: String::new(),
        range: [0.0, 100.0],
        thresholds: Thresholds::default(),
        stale_after_min: 10,
        url: None,
        county_id: 0,
        county: String::new(),
        city: String::new(),
    }
}

fn point_of(f: &geo::Geometry<f64>) -> Option<Coord<f64>> {
    match f {
        geo::Geometry::Point(p) => Some(p.0),
        _ => None,
    }
}

/// The sensors of the whole province.
pub(super) fn generate(
    province: &Province<'_>,
    hazard_sources: &[Feature<HazardSource>],
    stations: &[Feature<GasStation>],
    valves: &[Feature<GasValve>],
    rng: &mut ChaCha8Rng,
) -> Vec<Feature<Sensor>> {
    let mut out = Out {
        province,
        sensors: Vec::new(),
    };
    for h in hazard_sources {
        let Some(at) = point_of(&h.geometry) else { continue };
        let p = &h.properties;
        let site = |kind, name| sensor(kind, SensorSite::HazardSource, h.id, &p.name, name);
        // The tank tags the hazard source's monitoring list names, one per substance.
        let tanks: Vec<&str> = p
            .monitoring
            .iter()
            .filter(|m| m.kind == MonitorKind::Level)
            .map(|m| m.point.as_str())
            .collect();
        for (n, s) in p.substances.iter().enumerate() {
            let tank = tanks.get(n).map_or_else(|| format!("T-{n:02}"), |t| (*t).to_owned());
            let near = offset_km(at, rng.random_range(-0.15..0.15), rng.random_range(-0.15..0.15));
            let substance = Some(s.substance);
            let mut level = site(SensorKind::TankLevel, format!("{tank} 液位"));
            level.substance = substance;
            level.unit = "%".into();
            level.thresholds = Thresholds {
                high: Some(85.0),
                high_high: Some(90.0),
                low: Some(5.0),
                rise_per_min: None,
            };
            out.push(near, level);
            let design = tank_design_pressure(s.substance);
            let mut pressure = site(SensorKind::TankPressure, format!("{tank} 压力"));
            pressure.substance = substance;
            pressure.unit = "MPa".into();
            pressure.range = [0.0, 2.5 * design];
            pressure.thresholds = Thresholds {
                high: Some(round2(0.9 * design)),
                high_high: Some(design),
                low: None,
                rise_per_min: None,
            };
            out.push(near, pressure);
            let mut temperature = site(SensorKind::TankTemperature, format!("{tank} 温度"));
            temperature.substance = substance;
            temperature.unit = "°C".into();
            temperature.range = [-40.0, 150.0];
            temperature.thresholds = Thresholds {
                high: Some(40.0),
                high_high: Some(50.0),
                low: None,
                rise_per_min: None,
            };
            out.push(near, temperature);
            if let Some((first, second)) = toxic_thresholds_ppm(s.substance) {
                let mut toxic = site(SensorKind::ToxicGas, format!("{tank} 区域 有毒气体"));
                toxic.substance = substance;
                toxic.unit = "ppm".into();
                // A measuring range of ten times the second level, at least 10 ppm.
                toxic.range = [0.0, (10.0 * second).max(10.0).ceil()];
                toxic.thresholds = Thresholds {
                    high: Some(first),
                    high_high: Some(second),
                    low: None,
                    rise_per_min: None,
                };
                toxic.stale_after_min = 5;
                out.push(offset_km(near, 0.02, 0.0), toxic);
            }
            if is_combustible(s.substance) {
                out.push(offset_km(near, -0.02, 0.0), combustible(site, &tank, s.substance));
            }
        }
        let mut flow = site(SensorKind::Flow, "装卸区 流量".into());
        flow.unit = "m³/h".into();
        flow.range = [0.0, 300.0];
        flow.thresholds = Thresholds {
            high: Some(120.0),
            high_high: Some(150.0),
            low: None,
            rise_per_min: None,
        };
        out.push(offset_km(at, 0.1, -0.1), flow);
        let mut camera = site(SensorKind::Camera, "厂区 视频".into());
        camera.unit = String::new();
        camera.url = Some(format!(
            "https://video.example.invalid/hazard_sources/{}/snapshot.jpg",
            h.id
        ));
        out.push(at, camera);
    }
    for g in stations {
        let Some(at) = point_of(&g.geometry) else { continue };
        let p = &g.properties;
        let site = |kind, name| sensor(kind, SensorSite::GasStation, g.id, &p.name, name);
        let (unit, range, thresholds) = main_pressure(p.outlet_pressure_class);
        let mut pressure = site(SensorKind::PipePressure, "出口 压力".into());
        pressure.unit = unit.into();
        pressure.range = range;
        pressure.thresholds = thresholds;
        pressure.stale_after_min = 5;
        out.push(at, pressure);
        let capacity = f64::from(p.capacity_m3_h);
        let mut flow = site(SensorKind::Flow, "出口 流量".into());
        flow.unit = "m³/h".into();
        flow.range = [0.0, 1.5 * capacity];
        flow.thresholds = Thresholds {
            high: Some(0.9 * capacity),
            high_high: Some(capacity),
            low: None,
            rise_per_min: None,
        };
        out.push(at, flow);
        out.push(
            offset_km(at, 0.02, 0.0),
            combustible(site, "站区", Substance::NaturalGas),
        );
    }
    for v in valves {
        let p = &v.properties;
        if !matches!(p.pressure_class, PressureClass::High | PressureClass::SubHigh) {
            continue;
        }
        let Some(at) = point_of(&v.geometry) else { continue };
        let name = format!("{} 阀门 {}", p.network, p.node);
        let mut pressure = sensor(
            SensorKind::PipePressure,
            SensorSite::GasValve,
            v.id,
            &name,
            "管道 压力".into(),
        );
        let (unit, range, thresholds) = main_pressure(p.pressure_class);
        pressure.unit = unit.into();
        pressure.range = range;
        pressure.thresholds = thresholds;
        pressure.stale_after_min = 5;
        out.push(at, pressure);
    }
    for c in province.counties {
        let mut weather = sensor(
            SensorKind::Weather,
            SensorSite::County,
            u64::from(c.id),
            &c.county,
            format!("{}{} 气象站", c.city, c.county),
        );
        weather.unit = "weather".into();
        weather.range = [-60.0, 360.0];
        weather.stale_after_min = 30;
        out.push(c.label, weather);
    }
    out.sensors
}

fn combustible(site: impl Fn(SensorKind, String) -> Sensor, area: &str, substance: Substance) -> Sensor {
    let mut s = site(SensorKind::CombustibleGas, format!("{area} 区域 可燃气体"));
    s.substance = Some(substance);
    s.unit = "%LEL".into();
    s.range = [0.0, 100.0];
    s.thresholds = Thresholds {
        high: Some(COMBUSTIBLE_FIRST_LEVEL_PCT_LEL),
        high_high: Some(COMBUSTIBLE_SECOND_LEVEL_PCT_LEL),
        low: None,
        rise_per_min: None,
    };
    s.stale_after_min = 5;
    s
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
