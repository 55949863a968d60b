//! The after-action report: how the response went, from the record alone.

use super::state::IncidentState;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One team's response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamResponse {
    /// `rescue_teams` id.
    pub team: u64,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Seconds from the incident's opening to the dispatch.
    pub dispatched_s: f64,
    /// Seconds from opening to leaving the base.
    pub en_route_s: Option<f64>,
    /// Seconds from opening to arriving on scene.
    pub on_scene_s: Option<f64>,
    /// Seconds from dispatch to arriving on scene.
    pub response_s: Option<f64>,
    /// The road travel time estimated at dispatch, seconds.
    pub travel_estimate_s: Option<f64>,
    /// Status at the end of the record.
    pub status: String,
}

/// One zone, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneLine {
    /// Tier code.
    pub tier: String,
    /// Label, English.
    pub label_en: String,
    /// Label, Chinese.
    pub label_zh: String,
    /// Area, km².
    pub area_km2: f64,
    /// Estimated residents inside.
    pub population: u64,
}

/// One inject, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InjectLine {
    /// Scenario minute it was set for.
    pub at_min: f64,
    /// Seconds from opening to when it fired.
    pub fired_s: f64,
    /// Title (Chinese).
    pub title: String,
    /// Title in English, when the scenario gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
}

/// The after-action report of one incident or drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterAction {
    /// Incident id.
    pub incident: u64,
    /// Title.
    pub title: String,
    /// Kind code.
    pub kind: String,
    /// A drill.
    pub drill: bool,
    /// Scenario, for drills.
    pub scenario: Option<String>,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Seconds open (to closing, or to `now` while open).
    pub duration_s: f64,
    /// Seconds from opening to the first dispatch.
    pub first_dispatch_s: Option<f64>,
    /// Seconds from opening to the first team on scene.
    pub first_on_scene_s: Option<f64>,
    /// Each team's response, in order of dispatch.
    pub teams: Vec<TeamResponse>,
    /// Zones as last drawn.
    pub zones: Vec<ZoneLine>,
    /// Times the zones were drawn.
    pub zones_drawn: usize,
    /// Residents in the largest zone.
    pub people_in_zones: Option<u64>,
    /// Hazard sources and gas mains flagged by the domino check.
    pub domino: usize,
    /// Injects fired.
    pub injects: Vec<InjectLine>,
    /// Notes written.
    pub notes: usize,
    /// Events on the record.
    pub events: usize,
    /// Gas valves reported closed (`valve_closed`), in order: who and when.
    pub valves_closed: Vec<ValveLine>,
    /// A gas leak's isolation as it stands (filled by the caller, who holds
    /// the gas network: `gas::report_summary`); `None` for other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas: Option<GasSummary>,
}

/// One valve closure, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValveLine {
    /// `gas_valves` id.
    pub valve: u64,
    /// Who reported it closed.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Seconds from the incident's opening.
    pub at_s: f64,
    /// Event number.
    pub seq: u64,
}

/// A gas leak's isolation, for the report (`docs/gas-isolation.md`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct GasSummary {
    /// The city network.
    pub network: String,
    /// Why there is no trace, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Valves listed to close.
    pub valves_to_close: usize,
    /// Of those, reported closed.
    pub valves_closed: usize,
    /// Every listed valve closed.
    pub section_isolated: bool,
    /// Seconds from opening to the closure that isolated the section.
    pub isolated_s: Option<f64>,
    /// Pipes in the isolated section.
    pub section_pipes: usize,
    /// Section length, metres.
    pub section_length_m: f64,
    /// Section inner volume, m³.
    pub section_volume_m3: f64,
    /// Pipes beyond the section losing gas.
    pub outage_pipes: usize,
    /// Their length, metres.
    pub outage_length_m: f64,
    /// Stations cut off.
    pub outage_stations: usize,
    /// Residents losing gas (service-area rule).
    pub outage_population: u64,
    /// Enterprises losing gas.
    pub outage_enterprises: usize,
    /// Major hazard sources among them.
    pub outage_hazard_sources: usize,
}

pub(crate) fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// The report of `incident` as of `now`.
pub fn after_action(incident: &IncidentState, now: DateTime<Utc>) -> AfterAction {
    let open = incident.opened_at;
    let teams: Vec<TeamResponse> = incident
        .units
        .iter()
        .map(|u| TeamResponse {
            team: u.team,
            name: u.name.clone(),
            kind: u.kind.clone(),
            dispatched_s: secs(open, u.dispatched_at),
            en_route_s: u.en_route_at.map(|t| secs(open, t)),
            on_scene_s: u.on_scene_at.map(|t| secs(open, t)),
            response_s: u.on_scene_at.map(|t| secs(u.dispatched_at, t)),
            travel_estimate_s: u.travel_s,
            status: u.status.code().into(),
        })
        .collect();
    let zones = incident.zones.as_ref().map_or_else(Vec::new, |z| {
        z.record
            .zones
            .iter()
            .map(|zone| ZoneLine {
                tier: zone.tier.clone(),
                label_en: zone.label_en.clone(),
                label_zh: zone.label_zh.clone(),
                area_km2: zone.exposure.area_km2,
                population: zone.exposure.population,
            })
            .collect()
    });
    AfterAction {
        incident: incident.id,
        title: incident.spec.title.clone(),
        kind: incident.spec.kind.code().into(),
        drill: incident.drill,
        scenario: incident.scenario.clone(),
        opened_at: open,
        closed_at: incident.closed_at,
        duration_s: secs(open, incident.closed_at.unwrap_or(now)),
        first_dispatch_s: teams.iter().map(|t| t.dispatched_s).reduce(f64::min),
        first_on_scene_s: teams.iter().filter_map(|t| t.on_scene_s).reduce(f64::min),
        teams,
        zones,
        zones_drawn: incident.timeline.iter().filter(|e| e.kind == "zones_computed").count(),
        people_in_zones: incident.zones.as_ref().and_then(|z| z.record.people()),
        domino: incident.zones.as_ref().map_or(0, |z| z.record.domino.len()),
        injects: incident
            .injects
            .iter()
            .map(|i| InjectLine {
                at_min: i.at_min,
                fired_s: secs(open, i.at),
                title: i.title.clone(),
                title_en: i.title_en.clone(),
            })
            .collect(),
        notes: incident.notes.len(),
        events: incident.timeline.len(),
        valves_closed: incident
            .valves_closed
            .iter()
            .map(|c| ValveLine {
                valve: c.valve,
                actor: c.actor.clone(),
                at: c.at,
                at_s: secs(open, c.at),
                seq: c.seq,
            })
            .collect(),
        gas: None,
    }
}
