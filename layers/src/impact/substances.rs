//! The substances that matter in Shanxi, with what the impact models need.
//!
//! Each row holds ERG-style initial isolation and protective-action distances,
//! three concentration tiers for the plume, and the fire and explosion data.
//!
//! # Where the numbers come from
//!
//! - **ERG distances**: the U.S. DOT / Transport Canada / SCT *Emergency
//!   Response Guidebook* 2020. Toxic-by-inhalation gases (green pages):
//!   Table 1 (pp. 298–299 of the printed guide) for the small spill, and for
//!   the large spill where it has a row (CO, H₂S); Table 3 (pp. 351–353,
//!   "different quantities of six common TIH gases") by container and wind
//!   for chlorine, ammonia, hydrogen chloride and sulphur dioxide. Every row
//!   used is checked by a test against `data/erg2020-tih.csv`, which was
//!   transcribed from the guidebook and checked line by line against its
//!   text. The other substances are not in Table 1: their distances are the
//!   orange-page guide's "immediate precautionary measure" (isolation), its
//!   large-spill "consider initial downwind evacuation" (taken as the
//!   protective-action distance, day and night alike), and its "tank
//!   involved in a fire" isolation.
//! - **Tiers** (ppm): AEGL-1/2/3 for 60 minutes (U.S. EPA / National Research Council)
//!   where they exist. Carbon monoxide has no AEGL-1; its tier 1 is the NIOSH
//!   REL of 35 ppm. Substances whose hazard is fire rather than poison
//!   (LPG, natural gas, hydrogen, gasoline vapour) have tiers of 10 % LEL,
//!   50 % LEL and the LEL itself.
//! - **Physical data**: molar mass, lower explosive limit (LEL) and lower
//!   heat of combustion from standard handbook values (NIST WebBook, NFPA/SFPE
//!   handbooks); pool burning rates m″∞ from Babrauskas (SFPE Handbook).

pub use crate::model::Container;
use serde::Serialize;

/// Physical form as stored or carried; chooses the fire model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A compressed gas (burns as a jet fire or fireball).
    Gas,
    /// A gas liquefied under pressure (BLEVE and fireball if a tank fails in a fire).
    LiquefiedGas,
    /// A liquid at ambient conditions (burns as a pool fire).
    Liquid,
}

/// ERG distances for one spill size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErgDistances {
    /// Initial isolation radius round the spill, in all directions, metres.
    pub isolation_m: f64,
    /// Protective-action distance downwind by day, km (0: the ERG gives none).
    pub day_km: f64,
    /// Protective-action distance downwind by night, km (0: the ERG gives none).
    pub night_km: f64,
    /// The guide prints the day distance as "11+": it can be larger.
    pub day_plus: bool,
    /// The guide prints the night distance as "11+": it can be larger.
    pub night_plus: bool,
}

impl ErgDistances {
    const fn new(isolation_m: f64, day_km: f64, night_km: f64) -> Self {
        Self {
            isolation_m,
            day_km,
            night_km,
            day_plus: false,
            night_plus: false,
        }
    }

    /// The protective-action distance for day or night, km.
    pub fn protective_km(&self, daytime: bool) -> f64 {
        if daytime { self.day_km } else { self.night_km }
    }

    /// Whether the protective-action distance for day or night is printed
    /// "11+" (at least this far; can be larger).
    pub fn open_ended(&self, daytime: bool) -> bool {
        if daytime { self.day_plus } else { self.night_plus }
    }

    /// Element by element the larger of two sets; a "+" goes with the larger distance.
    fn max(self, other: Self) -> Self {
        let pick = |a: f64, ap: bool, b: f64, bp: bool| {
            if a > b {
                (a, ap)
            } else if b > a {
                (b, bp)
            } else {
                (a, ap || bp)
            }
        };
        let (day_km, day_plus) = pick(self.day_km, self.day_plus, other.day_km, other.day_plus);
        let (night_km, night_plus) = pick(self.night_km, self.night_plus, other.night_km, other.night_plus);
        Self {
            isolation_m: self.isolation_m.max(other.isolation_m),
            day_km,
            night_km,
            day_plus,
            night_plus,
        }
    }
}

/// The wind classes of ERG Table 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErgWind {
    /// Below 10 km/h (6 mph).
    Low,
    /// 10 to 20 km/h (6 to 12 mph).
    Moderate,
    /// Above 20 km/h (12 mph).
    High,
}

impl ErgWind {
    /// The class of a wind speed in m/s.
    pub fn of(wind_speed_ms: f64) -> Self {
        let kmh = wind_speed_ms * 3.6;
        if kmh < 10.0 {
            Self::Low
        } else if kmh <= 20.0 {
            Self::Moderate
        } else {
            Self::High
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Low => 0,
            Self::Moderate => 1,
            Self::High => 2,
        }
    }

    /// The class's name as ERG Table 3 prints it.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Low => "low wind (< 10 km/h)",
            Self::Moderate => "moderate wind (10–20 km/h)",
            Self::High => "high wind (> 20 km/h)",
        }
    }

    /// The class's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Low => "低风速（< 10 km/h）",
            Self::Moderate => "中等风速（10–20 km/h）",
            Self::High => "高风速（> 20 km/h）",
        }
    }
}

/// One row of ERG Table 3: a large spill from one kind of container, by wind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Table3Row {
    /// The container the row is for.
    pub container: Container,
    /// Initial isolation radius, metres.
    pub isolation_m: f64,
    /// Protective-action distance by day for low, moderate and high wind, km.
    pub day_km: [f64; 3],
    /// Protective-action distance by night for low, moderate and high wind, km.
    pub night_km: [f64; 3],
    /// Which day distances the guide prints as "11+".
    pub day_plus: [bool; 3],
    /// Which night distances the guide prints as "11+".
    pub night_plus: [bool; 3],
}

impl Table3Row {
    const fn new(container: Container, isolation_m: f64, day_km: [f64; 3], night_km: [f64; 3]) -> Self {
        Self {
            container,
            isolation_m,
            day_km,
            night_km,
            day_plus: [false; 3],
            night_plus: [false; 3],
        }
    }

    const fn plus(mut self, day_plus: [bool; 3], night_plus: [bool; 3]) -> Self {
        self.day_plus = day_plus;
        self.night_plus = night_plus;
        self
    }

    /// The row's distances for a wind class.
    pub fn at(&self, wind: ErgWind) -> ErgDistances {
        let i = wind.index();
        ErgDistances {
            isolation_m: self.isolation_m,
            day_km: self.day_km[i],
            night_km: self.night_km[i],
            day_plus: self.day_plus[i],
            night_plus: self.night_plus[i],
        }
    }
}

/// ERG distances for a large spill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LargeSpill {
    /// One set of distances whatever the container (ERG Table 1, or the orange-page guide).
    Fixed(ErgDistances),
    /// Distances by container and wind (ERG Table 3).
    ByContainer(&'static [Table3Row]),
}

/// Which row of the guide a set of ERG distances was read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum ErgRow {
    /// ERG Table 1 (small spill, or a large spill of a gas without a Table 3 row).
    Table1,
    /// The orange-page guide's precautions (substances not in Table 1).
    Guide {
        /// Guide number.
        guide: u16,
    },
    /// ERG Table 3.
    Table3 {
        /// The container whose row is drawn.
        row: Container,
        /// The container asked for (or the hazard source's), if any.
        asked: Option<Container>,
        /// The wind class.
        wind: ErgWind,
    },
    /// No substance given: the largest distances of the whole table.
    Largest,
}

impl ErgRow {
    /// The row in words, for labels and limits (Chinese, English).
    pub fn describe(&self) -> (String, String) {
        match *self {
            Self::Table1 => ("ERG 表1".into(), "ERG Table 1".into()),
            Self::Guide { guide } => (format!("ERG 指南 {guide}"), format!("ERG guide {guide}")),
            Self::Largest => ("ERG 全表最大值".into(), "largest in the ERG table".into()),
            Self::Table3 { row, wind, .. } => (
                format!("ERG 表3：{}，{}", row.name_zh(), wind.name_zh()),
                format!("ERG Table 3: {}, {}", row.name_en(), wind.name_en()),
            ),
        }
    }
}

/// ERG distances and the row they come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErgChoice {
    /// The distances.
    pub distances: ErgDistances,
    /// Where they come from.
    pub row: ErgRow,
}

/// A hazardous substance and the data the impact models need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Substance {
    /// Stable code, snake_case (`chlorine`, `lpg` …).
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// CAS registry number.
    pub cas: &'static str,
    /// UN number.
    pub un_number: u16,
    /// ERG orange-page guide number.
    pub erg_guide: u16,
    /// Molar mass, g/mol.
    pub molar_mass: f64,
    /// Toxic by inhalation (highlighted in the ERG, has Table 1 distances).
    pub tih: bool,
    /// Flammable.
    pub flammable: bool,
    /// Physical form as stored or carried.
    pub phase: Phase,
    /// ERG distances for a small spill (≤ 208 L).
    pub small: ErgDistances,
    /// ERG distances for a large spill.
    pub large: LargeSpill,
    /// Isolation radius if a tank, rail car or tank truck is involved in a fire, metres (ERG guide).
    pub fire_isolation_m: f64,
    /// Plume tiers 1, 2, 3 (3 most severe), ppm.
    pub tiers_ppm: [f64; 3],
    /// What the tiers are.
    pub tier_basis: &'static str,
    /// Lower explosive limit, volume %.
    pub lel_percent: Option<f64>,
    /// Lower heat of combustion, MJ/kg.
    pub heat_of_combustion_mj_kg: Option<f64>,
    /// Liquid density, kg/m³ (liquids, for the pool-fire model).
    pub liquid_density_kg_m3: Option<f64>,
    /// Mass burning rate of a large pool, kg/(m²·s) (liquids, for the pool-fire model).
    pub burning_rate_kg_m2_s: Option<f64>,
    /// Where this row's numbers come from.
    pub source: &'static str,
}

const AEGL_60: &str = "AEGL-1/2/3, 60 min";
const LEL_TIERS: &str = "10 % LEL / 50 % LEL / LEL";

/// Orange-page distances of guide 115 (flammable gases): isolate 100 m; large
/// spill: consider downwind evacuation of 800 m; tank in fire: 1600 m.
const GUIDE_115_SMALL: ErgDistances = ErgDistances::new(100.0, 0.0, 0.0);
const GUIDE_115_LARGE: LargeSpill = LargeSpill::Fixed(ErgDistances::new(100.0, 0.8, 0.8));
/// Orange-page distances of guides 128/130 (flammable liquids): isolate 50 m;
/// large spill: consider downwind evacuation of 300 m; tank in fire: 800 m.
const LIQUID_SMALL: ErgDistances = ErgDistances::new(50.0, 0.0, 0.0);
const LIQUID_LARGE: LargeSpill = LargeSpill::Fixed(ErgDistances::new(50.0, 0.3, 0.3));

use Container::{NurseTank, RailTankCar, RoadTanker, SmallCylinders, TonCylinders};

/// "11+" in a Table 3 cell (`Y`), or a plain distance (`N`).
const Y: bool = true;
const N: bool = false;

/// ERG 2020 Table 3, chlorine (UN 1017), p. 351.
static CHLORINE_T3: [Table3Row; 4] = [
    Table3Row::new(RailTankCar, 1000.0, [10.1, 6.8, 5.3], [11.0, 9.2, 6.9]).plus([N; 3], [Y, N, N]),
    Table3Row::new(RoadTanker, 600.0, [5.8, 3.4, 2.9], [6.7, 5.0, 4.1]),
    Table3Row::new(TonCylinders, 300.0, [2.1, 1.3, 1.0], [4.0, 2.4, 1.3]),
    Table3Row::new(SmallCylinders, 150.0, [1.5, 0.8, 0.5], [2.9, 1.3, 0.6]),
];
/// ERG 2020 Table 3, anhydrous ammonia (UN 1005), p. 351.
static AMMONIA_T3: [Table3Row; 4] = [
    Table3Row::new(RailTankCar, 300.0, [1.9, 1.5, 1.1], [4.5, 2.5, 1.4]),
    Table3Row::new(RoadTanker, 150.0, [0.9, 0.5, 0.4], [2.0, 0.8, 0.6]),
    Table3Row::new(NurseTank, 60.0, [0.5, 0.3, 0.3], [1.4, 0.3, 0.3]),
    Table3Row::new(SmallCylinders, 30.0, [0.3, 0.2, 0.1], [0.7, 0.3, 0.2]),
];
/// ERG 2020 Table 3, anhydrous hydrogen chloride (UN 1050), p. 352.
static HYDROGEN_CHLORIDE_T3: [Table3Row; 4] = [
    Table3Row::new(RailTankCar, 500.0, [3.9, 2.1, 1.8], [10.1, 3.5, 2.3]),
    Table3Row::new(RoadTanker, 200.0, [1.5, 0.8, 0.6], [3.9, 1.5, 0.8]),
    Table3Row::new(TonCylinders, 30.0, [0.4, 0.2, 0.1], [1.1, 0.3, 0.2]),
    Table3Row::new(SmallCylinders, 30.0, [0.3, 0.2, 0.1], [0.9, 0.3, 0.2]),
];
/// ERG 2020 Table 3, sulphur dioxide (UN 1079), p. 353.
static SULPHUR_DIOXIDE_T3: [Table3Row; 4] = [
    Table3Row::new(RailTankCar, 1000.0, [11.0, 11.0, 7.2], [11.0, 11.0, 10.1]).plus([Y, Y, N], [Y, Y, N]),
    Table3Row::new(RoadTanker, 1000.0, [11.0, 6.2, 5.3], [11.0, 8.2, 6.2]).plus([Y, N, N], [Y, N, N]),
    Table3Row::new(TonCylinders, 500.0, [5.4, 2.4, 1.8], [7.8, 4.2, 2.9]),
    Table3Row::new(SmallCylinders, 200.0, [3.2, 1.5, 1.1], [5.8, 2.5, 1.5]),
];

static SUBSTANCES: [Substance; 12] = [
    // ERG 2020 Table 1 (small) and Table 3 by container (large), guide 124.
    // AEGL chlorine 0.50 / 2.0 / 20 ppm.
    Substance {
        code: "chlorine",
        name_zh: "氯气",
        name_en: "Chlorine",
        cas: "7782-50-5",
        un_number: 1017,
        erg_guide: 124,
        molar_mass: 70.90,
        tih: true,
        flammable: false,
        phase: Phase::LiquefiedGas,
        small: ErgDistances::new(60.0, 0.3, 1.4),
        large: LargeSpill::ByContainer(&CHLORINE_T3),
        fire_isolation_m: 1600.0,
        tiers_ppm: [0.5, 2.0, 20.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 by container (large), guide 124; AEGL",
    },
    // ERG 2020 Table 1 (small) and Table 3 by container (large), guide 125.
    // AEGL ammonia 30 / 160 / 1100 ppm. Flammable 15–28 % (GHS Flam. Gas 2).
    Substance {
        code: "ammonia",
        name_zh: "氨",
        name_en: "Ammonia, anhydrous",
        cas: "7664-41-7",
        un_number: 1005,
        erg_guide: 125,
        molar_mass: 17.03,
        tih: true,
        flammable: true,
        phase: Phase::LiquefiedGas,
        small: ErgDistances::new(30.0, 0.1, 0.2),
        large: LargeSpill::ByContainer(&AMMONIA_T3),
        fire_isolation_m: 1600.0,
        tiers_ppm: [30.0, 160.0, 1100.0],
        tier_basis: AEGL_60,
        lel_percent: Some(15.0),
        heat_of_combustion_mj_kg: Some(18.6),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 by container (large), guide 125; AEGL",
    },
    // ERG 2020 Table 1 (small and large), guide 117. AEGL H2S 0.51 / 27 / 50 ppm.
    Substance {
        code: "hydrogen_sulphide",
        name_zh: "硫化氢",
        name_en: "Hydrogen sulphide",
        cas: "7783-06-4",
        un_number: 1053,
        erg_guide: 117,
        molar_mass: 34.08,
        tih: true,
        flammable: true,
        phase: Phase::LiquefiedGas,
        small: ErgDistances::new(30.0, 0.1, 0.5),
        large: LargeSpill::Fixed(ErgDistances::new(400.0, 2.2, 6.3)),
        fire_isolation_m: 1600.0,
        tiers_ppm: [0.51, 27.0, 50.0],
        tier_basis: AEGL_60,
        lel_percent: Some(4.0),
        heat_of_combustion_mj_kg: Some(15.2),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1, guide 117; AEGL",
    },
    // ERG 2020 Table 1 (UN 1016 is highlighted: division 2.3, zone D), guide 119.
    // AEGL CO: AEGL-1 not recommended, AEGL-2 83, AEGL-3 330 ppm; tier 1 is
    // the NIOSH REL, 35 ppm. Coke-oven gas (焦炉煤气) and coal gas are looked up
    // as this row: their toxic hazard is their CO.
    Substance {
        code: "carbon_monoxide",
        name_zh: "一氧化碳",
        name_en: "Carbon monoxide",
        cas: "630-08-0",
        un_number: 1016,
        erg_guide: 119,
        molar_mass: 28.01,
        tih: true,
        flammable: true,
        phase: Phase::Gas,
        small: ErgDistances::new(30.0, 0.1, 0.2),
        large: LargeSpill::Fixed(ErgDistances::new(200.0, 1.2, 4.3)),
        fire_isolation_m: 1600.0,
        tiers_ppm: [35.0, 83.0, 330.0],
        tier_basis: "NIOSH REL / AEGL-2 / AEGL-3, 60 min (no AEGL-1)",
        lel_percent: Some(12.5),
        heat_of_combustion_mj_kg: Some(10.1),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1, guide 119; AEGL, NIOSH REL",
    },
    // Not in ERG Table 1: guide 130 orange page. AEGL benzene 52 / 800 / 4000 ppm.
    Substance {
        code: "benzene",
        name_zh: "苯",
        name_en: "Benzene",
        cas: "71-43-2",
        un_number: 1114,
        erg_guide: 130,
        molar_mass: 78.11,
        tih: false,
        flammable: true,
        phase: Phase::Liquid,
        small: LIQUID_SMALL,
        large: LIQUID_LARGE,
        fire_isolation_m: 800.0,
        tiers_ppm: [52.0, 800.0, 4000.0],
        tier_basis: AEGL_60,
        lel_percent: Some(1.2),
        heat_of_combustion_mj_kg: Some(40.1),
        liquid_density_kg_m3: Some(876.0),
        burning_rate_kg_m2_s: Some(0.085),
        source: "ERG 2020 guide 130; AEGL; SFPE Handbook (burning rate)",
    },
    // Not in ERG Table 1: guide 131, which gives no large-spill distance for
    // non-highlighted materials; 300 m is taken as for guides 128/130 (our choice).
    // AEGL methanol 530 / 2100 / 7200 ppm.
    Substance {
        code: "methanol",
        name_zh: "甲醇",
        name_en: "Methanol",
        cas: "67-56-1",
        un_number: 1230,
        erg_guide: 131,
        molar_mass: 32.04,
        tih: false,
        flammable: true,
        phase: Phase::Liquid,
        small: LIQUID_SMALL,
        large: LIQUID_LARGE,
        fire_isolation_m: 800.0,
        tiers_ppm: [530.0, 2100.0, 7200.0],
        tier_basis: AEGL_60,
        lel_percent: Some(6.0),
        heat_of_combustion_mj_kg: Some(19.9),
        liquid_density_kg_m3: Some(792.0),
        burning_rate_kg_m2_s: Some(0.017),
        source: "ERG 2020 guide 131 (large-spill distance as guide 128); AEGL; SFPE Handbook",
    },
    // Not in ERG Table 1: guide 115. Taken as propane (the lighter, more
    // volatile component): M 44.10, LEL 2.1 %, 46.4 MJ/kg.
    Substance {
        code: "lpg",
        name_zh: "液化石油气",
        name_en: "Liquefied petroleum gas",
        cas: "68476-85-7",
        un_number: 1075,
        erg_guide: 115,
        molar_mass: 44.10,
        tih: false,
        flammable: true,
        phase: Phase::LiquefiedGas,
        small: GUIDE_115_SMALL,
        large: GUIDE_115_LARGE,
        fire_isolation_m: 1600.0,
        tiers_ppm: [2100.0, 10_500.0, 21_000.0],
        tier_basis: LEL_TIERS,
        lel_percent: Some(2.1),
        heat_of_combustion_mj_kg: Some(46.4),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 guide 115; LEL tiers (propane)",
    },
    // Not in ERG Table 1: guide 115 (UN 1971, compressed). Taken as methane.
    Substance {
        code: "natural_gas",
        name_zh: "天然气",
        name_en: "Natural gas (methane)",
        cas: "74-82-8",
        un_number: 1971,
        erg_guide: 115,
        molar_mass: 16.04,
        tih: false,
        flammable: true,
        phase: Phase::Gas,
        small: GUIDE_115_SMALL,
        large: GUIDE_115_LARGE,
        fire_isolation_m: 1600.0,
        tiers_ppm: [5000.0, 25_000.0, 50_000.0],
        tier_basis: LEL_TIERS,
        lel_percent: Some(5.0),
        heat_of_combustion_mj_kg: Some(50.0),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 guide 115; LEL tiers (methane)",
    },
    // Not in ERG Table 1: guide 115 (UN 1049, compressed).
    Substance {
        code: "hydrogen",
        name_zh: "氢气",
        name_en: "Hydrogen",
        cas: "1333-74-0",
        un_number: 1049,
        erg_guide: 115,
        molar_mass: 2.016,
        tih: false,
        flammable: true,
        phase: Phase::Gas,
        small: GUIDE_115_SMALL,
        large: GUIDE_115_LARGE,
        fire_isolation_m: 1600.0,
        tiers_ppm: [4000.0, 20_000.0, 40_000.0],
        tier_basis: LEL_TIERS,
        lel_percent: Some(4.0),
        heat_of_combustion_mj_kg: Some(120.0),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 guide 115; LEL tiers",
    },
    // Not in ERG Table 1: guide 128. Vapour molar mass 66 g/mol (US EPA AP-42
    // ch. 7.1, gasoline RVP 10), LEL 1.4 %; pool data SFPE Handbook.
    Substance {
        code: "gasoline",
        name_zh: "汽油",
        name_en: "Gasoline",
        cas: "86290-81-5",
        un_number: 1203,
        erg_guide: 128,
        molar_mass: 66.0,
        tih: false,
        flammable: true,
        phase: Phase::Liquid,
        small: LIQUID_SMALL,
        large: LIQUID_LARGE,
        fire_isolation_m: 800.0,
        tiers_ppm: [1400.0, 7000.0, 14_000.0],
        tier_basis: LEL_TIERS,
        lel_percent: Some(1.4),
        heat_of_combustion_mj_kg: Some(43.7),
        liquid_density_kg_m3: Some(740.0),
        burning_rate_kg_m2_s: Some(0.055),
        source: "ERG 2020 guide 128; LEL tiers; AP-42 (vapour M); SFPE Handbook",
    },
    // ERG 2020 Table 1 (small) and Table 3 by container (large), guide 125.
    // AEGL SO2 0.20 / 0.75 / 30 ppm.
    Substance {
        code: "sulphur_dioxide",
        name_zh: "二氧化硫",
        name_en: "Sulphur dioxide",
        cas: "7446-09-5",
        un_number: 1079,
        erg_guide: 125,
        molar_mass: 64.07,
        tih: true,
        flammable: false,
        phase: Phase::LiquefiedGas,
        small: ErgDistances::new(100.0, 0.6, 2.5),
        large: LargeSpill::ByContainer(&SULPHUR_DIOXIDE_T3),
        fire_isolation_m: 1600.0,
        tiers_ppm: [0.20, 0.75, 30.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 by container (large), guide 125; AEGL",
    },
    // ERG 2020 Table 1 (small) and Table 3 by container (large), guide 125.
    // AEGL HCl 1.8 / 22 / 100 ppm.
    Substance {
        code: "hydrogen_chloride",
        name_zh: "氯化氢",
        name_en: "Hydrogen chloride, anhydrous",
        cas: "7647-01-0",
        un_number: 1050,
        erg_guide: 125,
        molar_mass: 36.46,
        tih: true,
        flammable: false,
        phase: Phase::LiquefiedGas,
        small: ErgDistances::new(30.0, 0.1, 0.3),
        large: LargeSpill::ByContainer(&HYDROGEN_CHLORIDE_T3),
        fire_isolation_m: 1600.0,
        tiers_ppm: [1.8, 22.0, 100.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 by container (large), guide 125; AEGL",
    },
];

/// The worst row of Table 3 for a substance: the largest isolation, then
/// the longest distances over all winds, night and day. A test checks that
/// this row is at least as large as every other in every cell, so "worst"
/// does not depend on the order of the criteria.
fn worst_row(rows: &'static [Table3Row]) -> &'static Table3Row {
    let key = |r: &Table3Row| {
        (
            r.isolation_m,
            r.night_km.iter().sum::<f64>() + r.day_km.iter().sum::<f64>(),
        )
    };
    rows.iter()
        .max_by(|a, b| key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal))
        .unwrap_or(&rows[0])
}

/// Other codes accepted by [`Substance::by_code`], and the row they mean.
const ALIASES: [(&str, &str); 9] = [
    ("coke_oven_gas", "carbon_monoxide"),
    ("coal_gas", "carbon_monoxide"),
    ("hydrogen_sulfide", "hydrogen_sulphide"),
    ("sulfur_dioxide", "sulphur_dioxide"),
    ("methane", "natural_gas"),
    ("propane", "lpg"),
    ("liquefied_petroleum_gas", "lpg"),
    ("anhydrous_ammonia", "ammonia"),
    ("petrol", "gasoline"),
];

impl Substance {
    /// Every substance in the table.
    pub fn all() -> &'static [Substance] {
        &SUBSTANCES
    }

    /// The substance with this code (or an accepted alias such as `coke_oven_gas`).
    pub fn by_code(code: &str) -> Option<&'static Substance> {
        let code = ALIASES
            .iter()
            .find(|(alias, _)| *alias == code)
            .map_or(code, |(_, target)| *target);
        SUBSTANCES.iter().find(|s| s.code == code)
    }

    /// The substance named by a code, alias, Chinese or English name (any
    /// case), CAS number or UN number. `焦炉煤气` (coke-oven gas) finds carbon monoxide.
    pub fn lookup(key: &str) -> Option<&'static Substance> {
        let key = key.trim();
        if key == "焦炉煤气" || key == "煤气" {
            return Self::by_code("carbon_monoxide");
        }
        Self::by_code(&key.to_lowercase()).or_else(|| {
            SUBSTANCES.iter().find(|s| {
                s.name_zh == key
                    || s.name_en.eq_ignore_ascii_case(key)
                    || s.cas == key
                    || key.parse::<u16>().is_ok_and(|un| un == s.un_number)
            })
        })
    }

    /// The substance named by `key` (see [`Substance::lookup`]), or
    /// [`ImpactError::UnknownSubstance`](super::ImpactError::UnknownSubstance).
    pub fn require(key: &str) -> Result<&'static Substance, super::ImpactError> {
        Self::lookup(key).ok_or_else(|| super::ImpactError::UnknownSubstance(key.to_owned()))
    }

    /// ERG distances for a spill of this substance, wind speed in m/s.
    ///
    /// A large spill of a Table 3 gas reads the row of `container` (a
    /// storage tank reads the rail-tank-car row, the nearest the guide has).
    /// With no container, or one the table has no row for, it reads the
    /// worst row of Table 3 for the substance, never a smaller one.
    pub fn erg(&self, spill: super::SpillSize, container: Option<Container>, wind_speed_ms: f64) -> ErgChoice {
        let plain = if self.tih {
            ErgRow::Table1
        } else {
            ErgRow::Guide { guide: self.erg_guide }
        };
        match (spill, &self.large) {
            (super::SpillSize::Small, _) => ErgChoice {
                distances: self.small,
                row: plain,
            },
            (super::SpillSize::Large, LargeSpill::Fixed(d)) => ErgChoice {
                distances: *d,
                row: plain,
            },
            (super::SpillSize::Large, LargeSpill::ByContainer(rows)) => {
                let wind = ErgWind::of(wind_speed_ms);
                let wanted = container.map(Container::table3_row);
                let row = rows
                    .iter()
                    .find(|r| Some(r.container) == wanted)
                    .unwrap_or_else(|| worst_row(rows));
                ErgChoice {
                    distances: row.at(wind),
                    row: ErgRow::Table3 {
                        row: row.container,
                        asked: container,
                        wind,
                    },
                }
            }
        }
    }

    /// The largest ERG distances over the whole table for a spill and wind:
    /// what applies when the substance is unknown.
    pub fn largest(spill: super::SpillSize, wind_speed_ms: f64) -> ErgChoice {
        let distances = SUBSTANCES
            .iter()
            .map(|s| s.erg(spill, None, wind_speed_ms).distances)
            .fold(ErgDistances::new(0.0, 0.0, 0.0), ErgDistances::max);
        ErgChoice {
            distances,
            row: ErgRow::Largest,
        }
    }

    /// The tier concentrations in g/m³ at 25 °C and 1 atm.
    pub fn tiers_g_m3(&self) -> [f64; 3] {
        self.tiers_ppm
            .map(|ppm| super::plume::ppm_to_g_m3(ppm, self.molar_mass))
    }
}
