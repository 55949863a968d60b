//! The caller's data scope (`docs/security.md`, "Data scope"): the
//! [`RequestScope`] extractor, the resolved scopes kept in [`Scopes`], and the
//! checks that refuse a write outside the scope (403 `out_of_scope`).
//!
//! Where the scope comes from: the authentication layer puts an
//! `Arc<ScopeSpec>` into the request's extensions for a scoped user. No
//! spec there: the caller is unscoped and sees the whole region, and the
//! extractor costs one lookup in the extensions.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use geo::{Coord, Geometry};
use lookout_layers::feature::ParsedGeometry;
use lookout_layers::ledger::Danger;
use lookout_layers::ops::Operations;
use lookout_layers::scope::{Scope, ScopeSpec};
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, Event, FeatureId};
use parking_lot::RwLock;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::Arc;

/// Resolved scopes by spec, so the union of a city's counties is computed
/// once, not per request. Dropped whenever a county changes.
#[derive(Debug, Default)]
pub struct Scopes {
    resolved: RwLock<HashMap<ScopeSpec, Arc<Scope>>>,
}

impl Scopes {
    /// The scope of `spec`, resolved now or earlier. A spec naming a city or
    /// county that does not exist is refused (403), never taken as "all".
    pub fn resolve(&self, catalog: &Catalog, spec: &ScopeSpec) -> Result<Arc<Scope>, ApiError> {
        if let Some(s) = self.resolved.read().get(spec) {
            return Ok(s.clone());
        }
        let scope = Arc::new(Scope::resolve(catalog, spec).map_err(|e| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "invalid_scope",
                format!("{e}; ask an administrator to fix your scope"),
            )
        })?);
        self.resolved.write().insert(spec.clone(), scope.clone());
        Ok(scope)
    }

    /// How many scopes are held.
    pub fn len(&self) -> usize {
        self.resolved.read().len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ChangeObserver for Scopes {
    fn before(&self, _: &dyn Collection, _: FeatureId) {}

    fn after(&self, layer: &dyn Collection, _: FeatureId) {
        if layer.info().id == "counties" {
            self.resolved.write().clear();
        }
    }
}

/// The caller's scope: `None` for an unscoped caller (the whole region).
#[derive(Debug, Clone, Default)]
pub struct RequestScope(pub Option<Arc<Scope>>);

/// 403 `out_of_scope` with a reason.
pub fn out_of_scope(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "out_of_scope", message)
}

/// Danger `id` (`danger`, as the ledger found it) if the caller may see it:
/// 404 when there is none, 403 when it lies outside the caller's counties.
pub fn visible_danger<'a>(
    danger: Option<&'a Danger>,
    id: FeatureId,
    scope: &RequestScope,
) -> Result<&'a Danger, ApiError> {
    let d = danger.ok_or_else(|| ApiError::not_found(format!("no danger {id}")))?;
    if scope.get().is_some_and(|s| !s.has_county(d.place.county_id)) {
        return Err(out_of_scope(format!("danger {id} is outside your scope")));
    }
    Ok(d)
}

impl RequestScope {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(spec) = req.extensions().get::<Arc<ScopeSpec>>().cloned() else {
            return Ok(Self(None));
        };
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::internal("no application state"))?;
        state
            .scopes
            .resolve(state.store.catalog(), &spec)
            .map(|s| Self(Some(s)))
    }

    /// The scope, if the caller has one.
    pub fn get(&self) -> Option<&Scope> {
        self.0.as_deref()
    }

    /// Whether the caller sees feature `id` of `layer` (always, unscoped).
    pub fn sees_feature(&self, catalog: &Catalog, layer: &str, id: FeatureId) -> bool {
        self.get().is_none_or(|s| s.admits_feature(catalog, layer, id))
    }

    /// Whether the caller sees a place (an incident's location).
    pub fn sees_point(&self, at: Coord<f64>) -> bool {
        self.get().is_none_or(|s| s.contains_point(at))
    }

    /// Refuses (403) a change to feature `id` of `layer` that is out of
    /// scope now. A feature that does not exist is left to the store (404).
    pub fn check_feature(&self, catalog: &Catalog, layer: &str, id: FeatureId) -> Result<(), ApiError> {
        let Some(scope) = self.get() else { return Ok(()) };
        let Some(c) = catalog.read(layer) else { return Ok(()) };
        let mut refused = false;
        c.visit_feature(id, &mut |id, geometry, values| {
            refused = !scope.admits(layer, id, geometry, values);
            std::ops::ControlFlow::Break(())
        });
        if refused {
            Err(out_of_scope(format!("{layer} {id} is outside your scope")))
        } else {
            Ok(())
        }
    }

    /// Refuses (403) an incident's location outside the scope.
    pub fn check_point(&self, at: Coord<f64>, what: &str) -> Result<(), ApiError> {
        if self.sees_point(at) {
            Ok(())
        } else {
            Err(out_of_scope(format!(
                "{what} at [{:.5}, {:.5}] is outside your scope",
                at.x, at.y
            )))
        }
    }

    /// Refuses (403) a feature a write would leave behind outside the scope.
    /// `feature` is the GeoJSON the client sent (a whole feature, or a merge
    /// patch's `geometry` and `properties`); what it leaves out is taken from
    /// the current feature `id`, if any.
    pub fn check_new_feature(
        &self,
        catalog: &Catalog,
        layer: &str,
        id: Option<FeatureId>,
        geometry: Option<&Json>,
        properties: Option<&Json>,
    ) -> Result<(), ApiError> {
        let Some(scope) = self.get() else { return Ok(()) };
        let refused = || out_of_scope(format!("the {layer} feature would lie outside your scope"));
        let county = properties
            .and_then(|p| p.get("county_id"))
            .and_then(Json::as_u64)
            .and_then(|c| u32::try_from(c).ok());
        let has_county = catalog
            .read(layer)
            .is_some_and(|c| c.fields().iter().any(|f| f.name == "county_id"));
        if layer == "counties" {
            // A county is in scope by its id; a new county is no one's yet.
            return match id {
                Some(id) if u32::try_from(id).is_ok_and(|c| scope.has_county(c)) => Ok(()),
                _ => Err(refused()),
            };
        }
        if has_county {
            let county = match county {
                Some(c) => Some(c),
                None => id.and_then(|id| current_county(catalog, layer, id)),
            };
            // A body without a county is refused by the layer's own checks.
            return match county {
                Some(c) if !scope.has_county(c) => Err(refused()),
                _ => Ok(()),
            };
        }
        let geometry: Option<Geometry<f64>> = match geometry {
            Some(g) => serde_json::from_value::<ParsedGeometry>(g.clone()).ok().map(|g| g.0),
            None => None,
        };
        match geometry {
            Some(g) if !scope.meets(&g) => Err(refused()),
            // Unparseable geometry is refused by the layer's own checks (400).
            _ => Ok(()),
        }
    }
}

impl RequestScope {
    /// Whether the caller sees an event: an incident's events when the
    /// incident lies in scope, a team's status changes when the team is in
    /// scope, a feature change when the feature (as the event leaves it, or
    /// as it is now) is in scope. An event whose subject cannot be placed
    /// (a deleted feature) is hidden from a scoped caller.
    pub fn sees_event(&self, catalog: &Catalog, ops: &Operations, event: &Event) -> bool {
        let Some(scope) = self.get() else { return true };
        match event {
            Event::IncidentOpened { spec, .. } => scope.contains_point(spec.centre()),
            Event::UnitStatusChanged { team, .. } => scope.admits_feature(catalog, "rescue_teams", *team),
            Event::FeatureCreated { collection, feature }
            | Event::FeatureReplaced {
                collection, feature, ..
            } => {
                let id = event.feature_id();
                self.check_new_feature(
                    catalog,
                    collection,
                    id.filter(|_| matches!(event, Event::FeatureReplaced { .. })),
                    feature.get("geometry"),
                    feature.get("properties"),
                )
                .is_ok()
                    && feature.get("geometry").is_some()
            }
            Event::FeatureUpdated { collection, id, .. } | Event::FeatureDeleted { collection, id } => {
                scope.admits_feature(catalog, collection, *id)
            }
            Event::AlarmRaised { location, .. } => scope.contains_point((*location).into()),
            Event::HazardRegraded { hazard_source, .. } => {
                scope.admits_feature(catalog, "hazard_sources", *hazard_source)
            }
            // The ledger: a danger is in scope when its enterprise's county is.
            Event::Ledger(e) => ops
                .ledger()
                .danger(e.danger())
                .is_some_and(|d| scope.has_county(d.place.county_id)),
            // An obligation: in scope when its enterprise's county is.
            e if e.obligation().is_some() => match e {
                Event::ObligationRegistered { place, .. } => scope.has_county(place.county_id),
                _ => e
                    .obligation()
                    .and_then(|id| ops.ledger().obligations().get(id))
                    .is_some_and(|o| scope.has_county(o.place.county_id)),
            },
            // Inspections, plans and experts: in scope when a county they touch is.
            Event::Inspection(e) => e.county_ids().into_iter().any(|c| scope.has_county(c)),
            e if e.alarm().is_some() => e
                .alarm()
                .and_then(|id| ops.alarm(id))
                .is_some_and(|a| scope.contains_point(a.location.into())),
            _ => event
                .feature_id()
                .and_then(|id| ops.incident(id))
                .is_some_and(|i| scope.contains_point(i.spec.centre())),
        }
    }
}

fn current_county(catalog: &Catalog, layer: &str, id: FeatureId) -> Option<u32> {
    let c = catalog.read(layer)?;
    let mut county = None;
    c.visit_feature(id, &mut |_, _, values| {
        county = values
            .iter()
            .find(|(k, _)| *k == "county_id")
            .and_then(|(_, v)| match v {
                lookout_layers::Value::Integer(i) => u32::try_from(*i).ok(),
                _ => None,
            });
        std::ops::ControlFlow::Break(())
    });
    county
}

impl FromRequest for RequestScope {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}
