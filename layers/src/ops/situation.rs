//! The situation at a glance, as the command map's status strip shows it:
//! open real incidents and the people in their zones, the real teams by
//! dispatch status, and the drills running beside them.

use super::state::{IncidentState, Operations};
use crate::catalog::Catalog;
use crate::feature::FeatureId;
use crate::model::TeamStatus;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the status strip counts (`GET /situation`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Situation {
    /// The last event folded in: the figures are as of it.
    pub last_seq: u64,
    /// Open real incidents, newest first.
    pub incidents: Vec<FeatureId>,
    /// People inside the zones of the open real incidents (each incident's
    /// largest zone; incidents whose zones overlap count their people twice).
    pub people: u64,
    /// Real teams by dispatch status code; every status is present.
    pub teams: BTreeMap<&'static str, usize>,
    /// Open drill incidents, newest first.
    pub drills: Vec<FeatureId>,
    /// Open incidents (real and drill) nobody has acknowledged yet, newest first.
    pub unacknowledged: Vec<Pending>,
}

/// An open incident still waiting for a user to acknowledge it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pending {
    /// Incident id.
    pub id: FeatureId,
    /// A drill.
    pub drill: bool,
    /// Title.
    pub title: String,
    /// Kind code.
    pub kind: &'static str,
    /// [lon, lat].
    pub location: [f64; 2],
    /// Opened.
    pub opened_at: chrono::DateTime<chrono::Utc>,
}

impl Operations {
    /// The situation now, of the incidents and teams the caller sees
    /// (`sees_incident`, `sees_team`: the caller's data scope).
    pub fn situation(
        &self,
        catalog: &Catalog,
        sees_incident: impl Fn(&IncidentState) -> bool,
        sees_team: impl Fn(FeatureId) -> bool,
    ) -> Situation {
        let open: Vec<&IncidentState> = self
            .incidents()
            .rev()
            .filter(|i| i.is_open() && sees_incident(i))
            .collect();
        let real: Vec<&IncidentState> = open.iter().copied().filter(|i| !i.drill).collect();
        let people = real
            .iter()
            .filter_map(|i| i.zones.as_ref().and_then(|z| z.record.people()))
            .sum();
        let mut teams: BTreeMap<&'static str, usize> = TeamStatus::CODES.iter().map(|c| (*c, 0)).collect();
        for f in catalog.rescue_teams.read().features() {
            if sees_team(f.id) {
                *teams.entry(f.properties.status.code()).or_default() += 1;
            }
        }
        Situation {
            last_seq: self.log().last().map_or(0, |r| r.seq),
            incidents: real.iter().map(|i| i.id).collect(),
            people,
            teams,
            drills: open.iter().filter(|i| i.drill).map(|i| i.id).collect(),
            unacknowledged: open
                .iter()
                .filter(|i| i.acknowledged_at.is_none())
                .map(|i| Pending {
                    id: i.id,
                    drill: i.drill,
                    title: i.spec.title.clone(),
                    kind: i.spec.kind.code(),
                    location: i.spec.location,
                    opened_at: i.opened_at,
                })
                .collect(),
        }
    }
}
