//! The substances that matter in Shanxi, with what the impact models need.
//!
//! Each row holds ERG-style initial isolation and protective-action distances,
//! three concentration tiers for the plume, and the fire and explosion data.
//!
//! # Where the numbers come from
//!
//! - **ERG distances**: the U.S. DOT / Transport Canada *Emergency Response
//!   Guidebook* 2020. Toxic-by-inhalation gases (green pages): Table 1 for the
//!   small spill; for the large spill Table 1 where it has a row, and Table 3
//!   ("different quantities of six common TIH gases") for chlorine, ammonia,
//!   hydrogen chloride and sulphur dioxide, whose Table 1 large-spill entry
//!   refers there. From Table 3 we use the *highway tank truck or trailer*
//!   row, by wind class. The other substances are not in Table 1: their
//!   distances are the orange-page guide's "immediate precautionary measure"
//!   (isolation), its large-spill "consider initial downwind evacuation"
//!   (taken as the protective-action distance, day and night alike), and its
//!   "tank involved in a fire" isolation. The table was transcribed from
//!   memory of the printed guidebook and a secondary transcription, not from
//!   the PDF: check each row against the printed ERG 2020 before it is relied on.
//! - **Tiers** (ppm): AEGL-1/2/3 for 60 minutes (U.S. EPA / National Research Council)
//!   where they exist. Carbon monoxide has no AEGL-1; its tier 1 is the NIOSH
//!   REL of 35 ppm. Substances whose hazard is fire rather than poison
//!   (LPG, natural gas, hydrogen, gasoline vapour) have tiers of 10 % LEL,
//!   50 % LEL and the LEL itself.
//! - **Physical data**: molar mass, lower explosive limit (LEL) and lower
//!   heat of combustion from standard handbook values (NIST WebBook, NFPA/SFPE
//!   handbooks); pool burning rates m″∞ from Babrauskas (SFPE Handbook).

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
}

impl ErgDistances {
    const fn new(isolation_m: f64, day_km: f64, night_km: f64) -> Self {
        Self {
            isolation_m,
            day_km,
            night_km,
        }
    }

    /// The protective-action distance for day or night, km.
    pub fn protective_km(&self, daytime: bool) -> f64 {
        if daytime { self.day_km } else { self.night_km }
    }

    fn max(self, other: Self) -> Self {
        Self {
            isolation_m: self.isolation_m.max(other.isolation_m),
            day_km: self.day_km.max(other.day_km),
            night_km: self.night_km.max(other.night_km),
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
}

/// One row of ERG Table 3: a large spill from one kind of container, by wind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Table3Row {
    /// The container the row is for.
    pub container: &'static str,
    /// Initial isolation radius, metres.
    pub isolation_m: f64,
    /// Protective-action distance by day for low, moderate and high wind, km.
    pub day_km: [f64; 3],
    /// Protective-action distance by night for low, moderate and high wind, km.
    pub night_km: [f64; 3],
}

/// ERG distances for a large spill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LargeSpill {
    /// One set of distances (ERG Table 1, or the orange-page guide).
    Fixed(ErgDistances),
    /// Distances by wind class (ERG Table 3).
    ByWind(Table3Row),
}

impl LargeSpill {
    /// The distances for a wind speed in m/s.
    pub fn at(&self, wind_speed_ms: f64) -> ErgDistances {
        match self {
            Self::Fixed(d) => *d,
            Self::ByWind(row) => {
                let i = ErgWind::of(wind_speed_ms).index();
                ErgDistances::new(row.isolation_m, row.day_km[i], row.night_km[i])
            }
        }
    }
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
const ROAD_TANKER: &str = "highway tank truck or trailer";

static SUBSTANCES: [Substance; 12] = [
    // ERG 2020 Table 1 (small) and Table 3, road tanker (large), guide 124.
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
        small: ErgDistances::new(60.0, 0.3, 1.1),
        large: LargeSpill::ByWind(Table3Row {
            container: ROAD_TANKER,
            isolation_m: 600.0,
            day_km: [5.8, 3.4, 2.9],
            night_km: [6.7, 5.0, 4.1],
        }),
        fire_isolation_m: 1600.0,
        tiers_ppm: [0.5, 2.0, 20.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 road tanker (large), guide 124; AEGL",
    },
    // ERG 2020 Table 1 (small) and Table 3, road tanker (large), guide 125.
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
        large: LargeSpill::ByWind(Table3Row {
            container: ROAD_TANKER,
            isolation_m: 150.0,
            day_km: [0.9, 0.5, 0.5],
            night_km: [2.0, 0.8, 0.6],
        }),
        fire_isolation_m: 1600.0,
        tiers_ppm: [30.0, 160.0, 1100.0],
        tier_basis: AEGL_60,
        lel_percent: Some(15.0),
        heat_of_combustion_mj_kg: Some(18.6),
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 road tanker (large), guide 125; AEGL",
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
        small: ErgDistances::new(30.0, 0.1, 0.4),
        large: LargeSpill::Fixed(ErgDistances::new(400.0, 2.1, 5.4)),
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
        large: LargeSpill::Fixed(ErgDistances::new(200.0, 1.2, 4.8)),
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
    // ERG 2020 Table 1 (small) and Table 3, road tanker (large), guide 125.
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
        small: ErgDistances::new(100.0, 0.7, 2.2),
        large: LargeSpill::ByWind(Table3Row {
            container: ROAD_TANKER,
            isolation_m: 1000.0,
            // The table prints "11.0+ km" where the distance may be larger still.
            day_km: [11.0, 6.1, 5.3],
            night_km: [11.0, 8.2, 6.3],
        }),
        fire_isolation_m: 1600.0,
        tiers_ppm: [0.20, 0.75, 30.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 road tanker (large), guide 125; AEGL",
    },
    // ERG 2020 Table 1 (small) and Table 3, road tanker (large), guide 125.
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
        large: LargeSpill::ByWind(Table3Row {
            container: ROAD_TANKER,
            isolation_m: 200.0,
            day_km: [1.4, 0.8, 0.6],
            night_km: [3.7, 1.4, 0.8],
        }),
        fire_isolation_m: 1600.0,
        tiers_ppm: [1.8, 22.0, 100.0],
        tier_basis: AEGL_60,
        lel_percent: None,
        heat_of_combustion_mj_kg: None,
        liquid_density_kg_m3: None,
        burning_rate_kg_m2_s: None,
        source: "ERG 2020 Table 1 (small), Table 3 road tanker (large), guide 125; AEGL",
    },
];

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

    /// ERG distances for a spill of this substance, wind speed in m/s (used by Table 3 rows).
    pub fn erg(&self, spill: super::SpillSize, wind_speed_ms: f64) -> ErgDistances {
        match spill {
            super::SpillSize::Small => self.small,
            super::SpillSize::Large => self.large.at(wind_speed_ms),
        }
    }

    /// The largest ERG distances over the whole table for a spill and wind:
    /// what applies when the substance is unknown.
    pub fn largest(spill: super::SpillSize, wind_speed_ms: f64) -> ErgDistances {
        SUBSTANCES
            .iter()
            .map(|s| s.erg(spill, wind_speed_ms))
            .fold(ErgDistances::new(0.0, 0.0, 0.0), ErgDistances::max)
    }

    /// The tier concentrations in g/m³ at 25 °C and 1 atm.
    pub fn tiers_g_m3(&self) -> [f64; 3] {
        self.tiers_ppm
            .map(|ppm| super::plume::ppm_to_g_m3(ppm, self.molar_mass))
    }
}
