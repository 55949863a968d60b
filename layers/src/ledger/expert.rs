//! The expert pool (专家库): safety experts by specialty, substances and
//! industries, county and phone, assignable to inspections (执法+专家) and
//! suggested for an incident next to the teams.

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::impact::substances::Substance;
use crate::model::IncidentKind;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::model::inspection::{CountyPlace, ExpertSpec, ExpertSpecialty};

impl ExpertSpecialty {
    /// The specialties an incident of `kind` calls for, the most useful
    /// first (Lookout's rule, docs/ledger.md "Experts for an incident").
    pub fn for_incident(kind: IncidentKind) -> &'static [ExpertSpecialty] {
        use ExpertSpecialty as S;
        match kind {
            IncidentKind::Leak => &[S::HazardousChemicals, S::ProcessSafety, S::Environment, S::Medical],
            IncidentKind::GasLeak => &[S::Gas, S::Explosion, S::HazardousChemicals],
            IncidentKind::Fire => &[S::Fire, S::HazardousChemicals, S::Electrical],
            IncidentKind::Explosion => &[S::Explosion, S::HazardousChemicals, S::ProcessSafety, S::Fire],
            IncidentKind::MineAccident => &[S::Mining, S::Geology, S::Medical],
            IncidentKind::Flood => &[S::Flood, S::Geology],
            IncidentKind::Landslide => &[S::Geology, S::Mining, S::Flood],
            IncidentKind::RoadAccident => &[S::HazardousChemicals, S::Medical, S::Fire],
            IncidentKind::ForestFire => &[S::Fire, S::Medical],
        }
    }
}

/// Longest phone number, characters.
pub const MAX_PHONE_CHARS: usize = 40;
/// Most substances or industries an expert lists.
pub const MAX_EXPERT_TAGS: usize = 30;

/// An expert of the pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expert {
    /// Expert id.
    pub id: FeatureId,
    /// As entered last.
    #[serde(flatten)]
    pub spec: ExpertSpec,
    /// County and city names.
    #[serde(flatten)]
    pub place: CountyPlace,
    /// Entered when, by whom.
    pub created_at: DateTime<Utc>,
    /// By whom.
    pub created_by: String,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidRequest(m.into())
}

/// Checks an expert and answers it with substances as codes, and its place.
pub fn check_spec(catalog: &Catalog, mut spec: ExpertSpec) -> Result<(ExpertSpec, CountyPlace)> {
    super::text("name", &spec.name, super::MAX_NAME_CHARS, true)?;
    super::text("phone", &spec.phone, MAX_PHONE_CHARS, true)?;
    super::text("organisation", &spec.organisation, super::MAX_NAME_CHARS, false)?;
    if !spec.phone.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c)) {
        return Err(invalid(format!(
            "phone {:?} holds something besides digits, spaces, + - ( )",
            spec.phone
        )));
    }
    if spec.substances.len() > MAX_EXPERT_TAGS || spec.industries.len() > MAX_EXPERT_TAGS {
        return Err(invalid(format!(
            "an expert lists at most {MAX_EXPERT_TAGS} substances and {MAX_EXPERT_TAGS} industries"
        )));
    }
    let mut codes = Vec::with_capacity(spec.substances.len());
    for s in &spec.substances {
        let found = Substance::lookup(s).ok_or_else(|| {
            invalid(format!(
                "substance {s:?} is not in the substance table (GET /impact/substances)"
            ))
        })?;
        if !codes.iter().any(|c| c == found.code) {
            codes.push(found.code.to_owned());
        }
    }
    spec.substances = codes;
    spec.industries.sort_unstable();
    spec.industries.dedup();
    spec.name = spec.name.trim().to_owned();
    spec.phone = spec.phone.trim().to_owned();
    let counties = catalog.counties.read();
    let county = counties
        .feature(FeatureId::from(spec.county_id))
        .ok_or(Error::UnknownFeature {
            collection: "counties",
            id: FeatureId::from(spec.county_id),
        })?;
    let place = CountyPlace {
        county: county.properties.county.clone(),
        city: county.properties.city.clone(),
    };
    Ok((spec, place))
}

/// Why an expert is suggested for an incident, and the rank's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpertMatch {
    /// The expert.
    pub expert: Expert,
    /// Knows the incident's substance.
    pub substance_match: bool,
    /// Their specialty is one the incident's kind calls for.
    pub specialty_match: bool,
    /// Based in the incident's county.
    pub same_county: bool,
    /// Why, in words (English codes: `substance`, `specialty`, `county`).
    pub reasons: Vec<&'static str>,
}

/// The experts for an incident of `kind` with `substance` (a code) in
/// county `county_id`, best first: those who know the substance, then those
/// whose specialty the kind calls for (in the order it calls for them), then
/// those of the same county; ties by id. Only experts matching at least one
/// of the three are listed.
pub fn rank<'a>(
    experts: impl Iterator<Item = &'a Expert>,
    kind: IncidentKind,
    substance: Option<&str>,
    county_id: Option<u32>,
) -> Vec<ExpertMatch> {
    let wanted = ExpertSpecialty::for_incident(kind);
    let mut out: Vec<(usize, ExpertMatch)> = experts
        .filter_map(|e| {
            let substance_match = substance.is_some_and(|s| e.spec.substances.iter().any(|x| x == s));
            let specialty_rank = wanted.iter().position(|s| *s == e.spec.specialty);
            let same_county = county_id == Some(e.spec.county_id);
            if !substance_match && specialty_rank.is_none() && !same_county {
                return None;
            }
            let mut reasons = Vec::new();
            if substance_match {
                reasons.push("substance");
            }
            if specialty_rank.is_some() {
                reasons.push("specialty");
            }
            if same_county {
                reasons.push("county");
            }
            Some((
                specialty_rank.unwrap_or(usize::MAX),
                ExpertMatch {
                    expert: e.clone(),
                    substance_match,
                    specialty_match: specialty_rank.is_some(),
                    same_county,
                    reasons,
                },
            ))
        })
        .collect();
    out.sort_by(|(ra, a), (rb, b)| {
        b.substance_match
            .cmp(&a.substance_match)
            .then(ra.cmp(rb))
            .then(b.same_county.cmp(&a.same_county))
            .then(a.expert.id.cmp(&b.expert.id))
    });
    out.into_iter().map(|(_, m)| m).collect()
}
