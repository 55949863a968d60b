//! Events: every change is one, stored append-only, folded into memory,
//! replayable for drills and audit.

use crate::feature::FeatureId;
use crate::model::{AlarmColour, AlarmRule, IncidentSpec, LedgerEvent, Role, ScopeSpec, TeamStatus, ZoneRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A change to the situation.
///
/// Read by its tag ([`Event`]'s `Deserialize`, below): the derived reading
/// (`remote = "Self"`) for its own kinds, the ledger's or the inspections'
/// for theirs, never one tried after another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A feature was added; `feature` is the GeoJSON Feature with its assigned id.
    FeatureCreated {
        /// Collection id.
        collection: String,
        /// The GeoJSON Feature.
        feature: serde_json::Value,
    },
    /// A feature was replaced whole.
    FeatureReplaced {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
        /// The new GeoJSON Feature.
        feature: serde_json::Value,
    },
    /// Some properties (and perhaps the geometry) of a feature changed:
    /// a JSON merge patch (RFC 7396) of its properties.
    FeatureUpdated {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
        /// Merge patch of the properties.
        #[serde(default)]
        properties: serde_json::Map<String, serde_json::Value>,
        /// New GeoJSON geometry, if it moved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        geometry: Option<serde_json::Value>,
    },
    /// A feature was removed.
    FeatureDeleted {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
    },
    /// An incident (or drill) was opened.
    IncidentOpened {
        /// Incident id (0 when submitted: the store assigns it).
        incident: FeatureId,
        /// A drill, not a real incident.
        drill: bool,
        /// The scenario it was started from, for drills.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scenario: Option<String>,
        /// What is known.
        spec: IncidentSpec,
    },
    /// What is known about an incident changed: a JSON merge patch of its spec.
    IncidentUpdated {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// Merge patch (RFC 7396) of the [`IncidentSpec`].
        changes: serde_json::Map<String, serde_json::Value>,
    },
    /// An incident was closed.
    IncidentClosed {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// Why, in words.
        #[serde(default)]
        reason: String,
    },
    /// Impact zones were computed for an incident, with what lies inside.
    ZonesComputed {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// The zones.
        zones: ZoneRecord,
    },
    /// A team was assigned to an incident (its status goes available → dispatched).
    UnitDispatched {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// `rescue_teams` id.
        team: FeatureId,
        /// Team name, as it was.
        #[serde(default)]
        name: String,
        /// Team kind code.
        #[serde(default)]
        kind: String,
        /// Estimated road travel time, seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        travel_s: Option<f64>,
        /// Straight-line distance, metres.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        distance_m: Option<f64>,
    },
    /// A team's status changed.
    UnitStatusChanged {
        /// `rescue_teams` id.
        team: FeatureId,
        /// In a drill.
        drill: bool,
        /// The incident it is assigned to, if any.
        #[serde(default)]
        incident: Option<FeatureId>,
        /// Status before.
        from: TeamStatus,
        /// Status after.
        to: TeamStatus,
    },
    /// Someone at the desk acknowledged a new incident: its alert stops on
    /// every screen (the record says who and when).
    IncidentAcknowledged {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
    },
    /// A note was added to an incident's log.
    NoteAdded {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// The note.
        text: String,
    },
    /// A gas valve of an incident's isolation was reported closed
    /// (`docs/gas-isolation.md`); who and when are the record's.
    ValveClosed {
        /// Incident id.
        incident: FeatureId,
        /// A drill.
        drill: bool,
        /// `gas_valves` id.
        valve: FeatureId,
    },
    /// A scenario's inject fired in a drill.
    InjectFired {
        /// Incident id.
        incident: FeatureId,
        /// Always true: injects are drill events.
        drill: bool,
        /// Index of the inject in the scenario.
        index: usize,
        /// Scenario minute it is set for.
        at_min: f64,
        /// Short title (Chinese).
        title: String,
        /// What the exercise control tells the players (Chinese).
        text: String,
        /// The title in English, when the scenario gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title_en: Option<String>,
        /// The text in English, when the scenario gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text_en: Option<String>,
    },
    /// A sensor's readings broke a rule: an alarm is raised.
    AlarmRaised {
        /// Alarm id (0 when submitted: the store assigns it).
        alarm: FeatureId,
        /// `sensors` id (0, and left out, for a ledger deadline's alarm).
        #[serde(default, skip_serializing_if = "is_zero")]
        sensor: FeatureId,
        /// The hidden danger whose deadline passed (`docs/ledger.md`), for
        /// an overdue alarm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        danger: Option<FeatureId>,
        /// The obligation (emergency plan, drill plan, re-assessment) whose
        /// due date passed, for an overdue alarm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obligation: Option<FeatureId>,
        /// The inspection plan whose due date passed with targets left
        /// uninspected, for an overdue alarm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inspection_plan: Option<FeatureId>,
        /// The major hazard source the sensor watches, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hazard_source: Option<FeatureId>,
        /// The rule broken.
        rule: AlarmRule,
        /// Its grade.
        colour: AlarmColour,
        /// The reading that raised it (none for a stale sensor).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        /// The threshold it crossed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        threshold: Option<f64>,
        /// When the reading was measured (for a stale sensor: its last reading).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reading_at: Option<DateTime<Utc>>,
        /// Where the sensor is, `[lon, lat]`.
        location: [f64; 2],
        /// The sensor's tag and unit, and its site's name, as they were.
        #[serde(default)]
        label: String,
        /// Raised by drill readings: a drill alarm, never mixed with the real ones.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drill: bool,
    },
    /// An active alarm broke a more (or less) serious rule: its grade changed.
    AlarmChanged {
        /// Alarm id.
        alarm: FeatureId,
        /// The rule broken now.
        rule: AlarmRule,
        /// Its grade now.
        colour: AlarmColour,
        /// The reading.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        /// The threshold crossed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        threshold: Option<f64>,
    },
    /// Someone on duty saw the alarm (who and when: the record's actor and time).
    AlarmAcknowledged {
        /// Alarm id.
        alarm: FeatureId,
        /// What they say.
        #[serde(default)]
        remark: String,
    },
    /// A red alarm nobody acknowledged in time.
    AlarmEscalated {
        /// Alarm id.
        alarm: FeatureId,
        /// Minutes it had waited.
        minutes: i64,
    },
    /// The readings are back within the rules: the alarm ends.
    AlarmCleared {
        /// Alarm id.
        alarm: FeatureId,
        /// The reading that cleared it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
    },
    /// An incident was opened from an alarm: the two are linked.
    AlarmLinked {
        /// Alarm id.
        alarm: FeatureId,
        /// Incident id (0: the one opened in the same command).
        incident: FeatureId,
    },
    /// A user was created. Never shown outside the audit (the hash stays in the log).
    UserCreated {
        /// Sign-in name.
        username: String,
        /// What the user may do.
        role: Role,
        /// The area the user is limited to; `None`: the whole region.
        #[serde(default)]
        scope: Option<ScopeSpec>,
        /// Argon2id PHC string of the password.
        password_hash: String,
        /// The rescue team they serve in (field staff), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<FeatureId>,
    },
    /// A user's role, scope, password or state changed: the user as they are now.
    UserUpdated {
        /// Sign-in name.
        username: String,
        /// What the user may do.
        role: Role,
        /// The area the user is limited to; `None`: the whole region.
        #[serde(default)]
        scope: Option<ScopeSpec>,
        /// Disabled users cannot sign in and their sessions end.
        #[serde(default)]
        disabled: bool,
        /// A new password's Argon2id PHC string (every session ends), if it changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password_hash: Option<String>,
        /// The rescue team they serve in (field staff: the phone layout
        /// shows the incident that team is assigned to), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<FeatureId>,
    },
    /// A user was disabled: they cannot sign in, their sessions and tokens end.
    UserDisabled {
        /// Sign-in name.
        username: String,
    },
    /// An API token was created; only its SHA-256 hash is kept.
    TokenCreated {
        /// Public id (`tok_…`), to list and revoke it.
        id: String,
        /// Its name, recorded with every event made through it.
        name: String,
        /// What it may do.
        role: Role,
        /// The area it is limited to.
        #[serde(default)]
        scope: Option<ScopeSpec>,
        /// SHA-256 of the token, hex.
        hash: String,
    },
    /// An API token was revoked.
    TokenRevoked {
        /// Public id.
        id: String,
    },
    /// A token was used (recorded at most once an hour per token).
    TokenUsed {
        /// Public id.
        id: String,
    },
    /// A user signed in; the session is known by its SHA-256 hash.
    SignedIn {
        /// Sign-in name.
        username: String,
        /// SHA-256 of the session id, hex.
        session: String,
        /// When the session ends.
        expires: DateTime<Utc>,
    },
    /// A sign-in failed.
    SignInFailed {
        /// The name tried.
        username: String,
        /// The client's address.
        #[serde(default)]
        address: String,
        /// Why (unknown user, wrong password, disabled).
        reason: String,
    },
    /// A user signed out.
    SignedOut {
        /// Sign-in name.
        username: String,
        /// SHA-256 of the session id, hex.
        session: String,
    },
    /// A major hazard source's GB 18218 grade changed because its
    /// quantities or the people within 500 m did: stored in the same unit as
    /// the edit that changed them, after it (docs/risk-method.md).
    HazardRegraded {
        /// `hazard_sources` id.
        hazard_source: FeatureId,
        /// Its name, as it was.
        #[serde(default)]
        name: String,
        /// R before.
        from_r: f64,
        /// R after.
        to_r: f64,
        /// Level before (none: below the GB 18218 §4.2 identification test).
        #[serde(default)]
        from_level: Option<u8>,
        /// Level after.
        #[serde(default)]
        to_level: Option<u8>,
        /// What changed: `quantities`, `people_within_500m`.
        reasons: Vec<String>,
        /// Where it is, `[lon, lat]`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<[f64; 2]>,
    },
    // --- Other obligations with deadlines (docs/ledger.md, "Obligations").
    /// An emergency plan, a drill plan or a re-assessment was registered.
    ObligationRegistered {
        /// Obligation id (0 when submitted: the store assigns it).
        obligation: FeatureId,
        /// What was registered.
        spec: crate::model::obligation::ObligationSpec,
        /// Its enterprise as it was (filled in by the store).
        place: crate::model::DangerPlace,
        /// When it falls due (filled in by the store: `spec.due`, or the
        /// last time it was done + 3 years).
        due: DateTime<Utc>,
    },
    /// An obligation's title, due date or assignee changed.
    ObligationUpdated {
        /// Obligation id.
        obligation: FeatureId,
        /// The fields that changed.
        changes: crate::model::obligation::ObligationPatch,
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// An obligation was fulfilled: a plan evaluated (or registered again),
    /// a source graded again (the next due date follows), a drill held.
    ObligationFulfilled {
        /// Obligation id.
        obligation: FeatureId,
        /// When it was done.
        done_at: DateTime<Utc>,
        /// The next due date (none for a drill: nothing more is owed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_due: Option<DateTime<Utc>>,
        /// What was done.
        #[serde(default)]
        remark: String,
    },
    /// A reminder that an obligation falls due soon went to its assignee.
    ObligationReminded {
        /// Obligation id.
        obligation: FeatureId,
        /// Days before the due date it was due.
        days_before: u32,
        /// The due date it is for.
        due: DateTime<Utc>,
        /// Who it went to.
        to: String,
    },
    /// An inspection, inspection plan or expert event (docs/ledger.md
    /// "Inspections"); carries its own `type`.
    #[serde(untagged)]
    Inspection(crate::model::inspection::InspectionEvent),
    // --- The supervision ledger (docs/ledger.md): its events carry their own `type`.
    /// A supervision ledger event.
    #[serde(untagged)]
    Ledger(LedgerEvent),
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The derived writing (`remote = "Self"`): every kind with its `type`.
        Event::serialize(self, serializer)
    }
}

/// Which enum reads an event of a given `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Ledger,
    Inspection,
}

/// The `type`s of the ledger's and the inspections' events, as their
/// derived readings name them when refusing a `type` they do not know
/// (serde's `Error::unknown_variant` is given every variant's name).
fn reader_of(tag: &str) -> Option<Reader> {
    static READERS: std::sync::LazyLock<std::collections::HashMap<&'static str, Reader>> =
        std::sync::LazyLock::new(|| {
            let ledger = tags_of::<LedgerEvent>().iter().map(|t| (*t, Reader::Ledger));
            let inspection = tags_of::<crate::model::inspection::InspectionEvent>()
                .iter()
                .map(|t| (*t, Reader::Inspection));
            ledger.chain(inspection).collect()
        });
    READERS.get(tag).copied()
}

/// The `type`s an internally tagged enum reads: it is shown a `type` no
/// variant has, and its refusal names the ones it has.
fn tags_of<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Refusal(&'static [&'static str]);
    impl std::fmt::Display for Refusal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "expected one of {:?}", self.0)
        }
    }
    impl std::error::Error for Refusal {}
    impl serde::de::Error for Refusal {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Self(&[])
        }
        fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
            Self(expected)
        }
    }
    let probe = serde::de::value::MapDeserializer::<_, Refusal>::new(std::iter::once(("type", "\u{0}")));
    T::deserialize(probe).err().map_or(&[], |r| r.0)
}

impl<'de> Deserialize<'de> for Event {
    /// Reads the event's JSON once, looks at its `type`, and reads it with
    /// the one enum that has that `type`. The derived reading of an enum
    /// with untagged variants buffers the event, tries its own kinds, then
    /// each untagged variant in turn, each failure formatting a list of
    /// every kind: most stored events are the ledger's, the last tried
    /// (layers/benches/events.rs measures it).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        Self::from_json(raw.get()).map_err(serde::de::Error::custom)
    }
}

impl Event {
    /// An event from its JSON, read by the enum its `type` belongs to.
    fn from_json(json: &str) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct Tag<'a> {
            #[serde(rename = "type", borrow)]
            tag: Option<std::borrow::Cow<'a, str>>,
        }
        // Events are written with `type` first: its value is then read
        // here without a pass over the whole event (a tag is plain ASCII;
        // anything else takes the pass).
        let tag = json
            .strip_prefix(r#"{"type":""#)
            .and_then(|rest| rest.split_once('"'))
            .map(|(tag, _)| tag)
            .filter(|tag| tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .map(std::borrow::Cow::Borrowed)
            .or_else(|| serde_json::from_str::<Tag<'_>>(json).ok().and_then(|t| t.tag));
        match tag.as_deref().and_then(reader_of) {
            Some(Reader::Ledger) => serde_json::from_str(json).map(Self::Ledger),
            Some(Reader::Inspection) => serde_json::from_str(json).map(Self::Inspection),
            None => {
                let mut de = serde_json::Deserializer::from_str(json);
                let event = Event::deserialize(&mut de)?;
                de.end()?;
                Ok(event)
            }
        }
    }
}

fn is_zero(id: &FeatureId) -> bool {
    *id == 0
}

impl Event {
    /// The collection the event concerns: the one a feature change changes,
    /// `incidents` for incident events, `rescue_teams` for a status change.
    pub fn collection(&self) -> &str {
        match self {
            Self::FeatureCreated { collection, .. }
            | Self::FeatureReplaced { collection, .. }
            | Self::FeatureUpdated { collection, .. }
            | Self::FeatureDeleted { collection, .. } => collection,
            Self::UnitStatusChanged { .. } => "rescue_teams",
            Self::HazardRegraded { .. } => "hazard_sources",
            e if e.obligation().is_some() => "obligations",
            e if e.is_auth() => "auth",
            e if e.alarm().is_some() => "alarms",
            Self::Ledger(_) => "dangers",
            Self::Inspection(e) => e.collection(),
            _ => "incidents",
        }
    }

    /// The `type` tag, as stored and pushed.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FeatureCreated { .. } => "feature_created",
            Self::FeatureReplaced { .. } => "feature_replaced",
            Self::FeatureUpdated { .. } => "feature_updated",
            Self::FeatureDeleted { .. } => "feature_deleted",
            Self::IncidentOpened { .. } => "incident_opened",
            Self::IncidentUpdated { .. } => "incident_updated",
            Self::IncidentClosed { .. } => "incident_closed",
            Self::ZonesComputed { .. } => "zones_computed",
            Self::UnitDispatched { .. } => "unit_dispatched",
            Self::UnitStatusChanged { .. } => "unit_status_changed",
            Self::IncidentAcknowledged { .. } => "incident_acknowledged",
            Self::NoteAdded { .. } => "note_added",
            Self::InjectFired { .. } => "inject_fired",
            Self::ValveClosed { .. } => "valve_closed",
            Self::UserCreated { .. } => "user_created",
            Self::UserUpdated { .. } => "user_updated",
            Self::UserDisabled { .. } => "user_disabled",
            Self::TokenCreated { .. } => "token_created",
            Self::TokenRevoked { .. } => "token_revoked",
            Self::TokenUsed { .. } => "token_used",
            Self::SignedIn { .. } => "signed_in",
            Self::SignInFailed { .. } => "sign_in_failed",
            Self::SignedOut { .. } => "signed_out",
            Self::AlarmRaised { .. } => "alarm_raised",
            Self::AlarmChanged { .. } => "alarm_changed",
            Self::AlarmAcknowledged { .. } => "alarm_acknowledged",
            Self::AlarmEscalated { .. } => "alarm_escalated",
            Self::AlarmCleared { .. } => "alarm_cleared",
            Self::AlarmLinked { .. } => "alarm_linked",
            Self::HazardRegraded { .. } => "hazard_regraded",
            Self::ObligationRegistered { .. } => "obligation_registered",
            Self::ObligationUpdated { .. } => "obligation_updated",
            Self::ObligationFulfilled { .. } => "obligation_fulfilled",
            Self::ObligationReminded { .. } => "obligation_reminded",
            Self::Ledger(e) => e.kind(),
            Self::Inspection(e) => e.kind(),
        }
    }

    /// The obligation an obligation event concerns (docs/ledger.md).
    pub fn obligation(&self) -> Option<FeatureId> {
        match self {
            Self::ObligationRegistered { obligation, .. }
            | Self::ObligationUpdated { obligation, .. }
            | Self::ObligationFulfilled { obligation, .. }
            | Self::ObligationReminded { obligation, .. } => Some(*obligation),
            _ => None,
        }
    }

    /// The alarm an alarm event concerns.
    pub fn alarm(&self) -> Option<FeatureId> {
        match self {
            Self::AlarmRaised { alarm, .. }
            | Self::AlarmChanged { alarm, .. }
            | Self::AlarmAcknowledged { alarm, .. }
            | Self::AlarmEscalated { alarm, .. }
            | Self::AlarmCleared { alarm, .. }
            | Self::AlarmLinked { alarm, .. } => Some(*alarm),
            _ => None,
        }
    }

    /// The feature the event concerns (the incident, or the team), if known.
    pub fn feature_id(&self) -> Option<FeatureId> {
        match self {
            Self::FeatureCreated { feature, .. } => feature.get("id").and_then(serde_json::Value::as_u64),
            Self::FeatureReplaced { id, .. } | Self::FeatureUpdated { id, .. } | Self::FeatureDeleted { id, .. } => {
                Some(*id)
            }
            Self::UnitStatusChanged { team, .. } => Some(*team),
            Self::IncidentOpened { incident, .. }
            | Self::IncidentUpdated { incident, .. }
            | Self::IncidentClosed { incident, .. }
            | Self::ZonesComputed { incident, .. }
            | Self::UnitDispatched { incident, .. }
            | Self::IncidentAcknowledged { incident, .. }
            | Self::NoteAdded { incident, .. }
            | Self::ValveClosed { incident, .. }
            | Self::InjectFired { incident, .. } => Some(*incident),
            _ => None,
        }
    }

    /// Whether this is a user, token or sign-in event: folded into the
    /// users, never shown outside the audit (they hold hashes).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Self::UserCreated { .. }
                | Self::UserUpdated { .. }
                | Self::UserDisabled { .. }
                | Self::TokenCreated { .. }
                | Self::TokenRevoked { .. }
                | Self::TokenUsed { .. }
                | Self::SignedIn { .. }
                | Self::SignInFailed { .. }
                | Self::SignedOut { .. }
        )
    }

    /// Whether this is a plain change to one feature (not an operations event).
    pub fn is_feature_change(&self) -> bool {
        matches!(
            self,
            Self::FeatureCreated { .. }
                | Self::FeatureReplaced { .. }
                | Self::FeatureUpdated { .. }
                | Self::FeatureDeleted { .. }
        )
    }

    /// Whether the event belongs to a drill.
    pub fn drill(&self) -> bool {
        match self {
            Self::IncidentOpened { drill, .. }
            | Self::IncidentUpdated { drill, .. }
            | Self::IncidentClosed { drill, .. }
            | Self::ZonesComputed { drill, .. }
            | Self::UnitDispatched { drill, .. }
            | Self::UnitStatusChanged { drill, .. }
            | Self::IncidentAcknowledged { drill, .. }
            | Self::NoteAdded { drill, .. }
            | Self::ValveClosed { drill, .. }
            | Self::InjectFired { drill, .. } => *drill,
            _ => false,
        }
    }
}

/// An event as stored: numbered, timed and signed by whoever made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When it was accepted.
    pub at: DateTime<Utc>,
    /// Who made it: the authenticated user.
    pub actor: String,
    /// The name of the API token it came through, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// What happened.
    pub event: Event,
}

/// Who signs the events of a command: the authenticated user and, when the
/// request came with an API token, the token's name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Author {
    /// The user's name.
    pub name: String,
    /// The token's name.
    pub token: Option<String>,
}

impl From<&str> for Author {
    fn from(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            token: None,
        }
    }
}

impl From<String> for Author {
    fn from(name: String) -> Self {
        Self { name, token: None }
    }
}

impl From<&String> for Author {
    fn from(name: &String) -> Self {
        name.as_str().into()
    }
}

impl From<&Author> for Author {
    fn from(author: &Author) -> Self {
        author.clone()
    }
}

impl Event {
    /// The incident an operations event names, to fill in: a command that
    /// opens an incident and then changes it names the new one `0` until the
    /// store assigns its id.
    pub fn incident_mut(&mut self) -> Option<&mut FeatureId> {
        match self {
            Self::IncidentOpened { incident, .. }
            | Self::IncidentUpdated { incident, .. }
            | Self::IncidentClosed { incident, .. }
            | Self::ZonesComputed { incident, .. }
            | Self::UnitDispatched { incident, .. }
            | Self::IncidentAcknowledged { incident, .. }
            | Self::NoteAdded { incident, .. }
            | Self::ValveClosed { incident, .. }
            | Self::InjectFired { incident, .. }
            | Self::AlarmLinked { incident, .. } => Some(incident),
            _ => None,
        }
    }
}

/// The `Idempotency-Key` a client sent with a request, and a hash of the
/// request, stored with the events the request made: a retry with the same
/// key finds them and stores nothing new, even after a restart or on another
/// replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idempotency {
    /// The client's key.
    pub key: String,
    /// Hash of the request (method, path and body), to tell a retry from a
    /// different request that reuses the key.
    pub request: String,
}

/// What one command stored: its events, in order and without gaps, stored
/// whole or not at all (one journal record, or one PostGIS transaction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The events.
    pub events: Vec<EventRecord>,
    /// The key of the request that made them, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<Idempotency>,
}

impl Idempotency {
    /// The key of a request, with a fingerprint of its method, path and body
    /// (FNV-1a 64 and CRC-32, hex: stable across versions and machines).
    pub fn for_request(key: &str, method: &str, path: &str, body: &[u8]) -> Self {
        let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
        let mut crc = crc32fast::Hasher::new();
        for part in [method.as_bytes(), b" ", path.as_bytes(), b"\n", body] {
            for &b in part {
                fnv = (fnv ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
            crc.update(part);
        }
        Self {
            key: key.to_owned(),
            request: format!("{fnv:016x}{:08x}", crc.finalize()),
        }
    }
}

impl Unit {
    /// A unit of one event, without a key (what a journal record before units held).
    pub fn single(record: EventRecord) -> Self {
        Self {
            events: vec![record],
            idempotency: None,
        }
    }

    /// The first and last sequence numbers.
    pub fn seqs(&self) -> Option<(u64, u64)> {
        Some((self.events.first()?.seq, self.events.last()?.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LedgerEvent;

    #[test]
    fn an_event_reads_the_same_whatever_its_keys_order_spacing_or_escapes() {
        let event = Event::Ledger(LedgerEvent::DeadlineReminded {
            danger: 7,
            days_before: 1,
            deadline: "2026-12-01T08:00:00Z".parse().unwrap(),
            to: "li".into(),
        });
        let written = serde_json::to_string(&event).unwrap();
        assert!(written.starts_with(r#"{"type":"deadline_reminded","#), "{written}");
        for json in [
            written.clone(),
            r#"{"danger":7,"days_before":1,"deadline":"2026-12-01T08:00:00Z","to":"li","type":"deadline_reminded"}"#
                .into(),
            r#"{"type": "deadline_reminded", "danger": 7, "days_before": 1, "deadline": "2026-12-01T08:00:00Z", "to": "li"}"#.into(),
            r#"{"type":"deadline\u005freminded","danger":7,"days_before":1,"deadline":"2026-12-01T08:00:00Z","to":"li"}"#
                .into(),
        ] {
            assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event, "{json}");
        }
        let note = r#"{"type":"note_added","incident":1,"drill":false,"text":"x"}"#;
        assert!(matches!(
            serde_json::from_str::<Event>(note).unwrap(),
            Event::NoteAdded { .. }
        ));
        for bad in [
            r#"{"type":"danger_vanished","danger":1}"#,
            r#"{"type":"deadline_reminded"}"#,
            r#"{"type":"#,
            r#"{"type":"x"#,
        ] {
            assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        }
    }
}
