//! `GET /coverage?kind=hazmat&minutes=30`: where a kind of rescue team reaches
//! in time by road, and the enterprises and major hazard sources left outside.

use crate::error::ApiError;
use crate::extract::{CoverageParams, Filtered, PropertyFilters};
use crate::limits::MAX_MINUTES;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use lookout_layers::coverage::coverage;
use lookout_layers::feature::GeoJsonGeometry;
use lookout_layers::model::RescueTeam;
use lookout_layers::{Filter, Record};

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/coverage").get(get));
}

fn parse(query: Filtered<CoverageParams>) -> Result<(f64, PropertyFilters), ApiError> {
    let minutes = query
        .params
        .minutes
        .ok_or_else(|| ApiError::bad_request("minutes is required"))?;
    if !(minutes > 0.0 && minutes <= MAX_MINUTES) {
        return Err(ApiError::bad_request(format!(
            "minutes must be more than 0 and at most {MAX_MINUTES}"
        )));
    }
    if !query.filters.0.iter().any(|(k, _)| k == "kind") {
        return Err(ApiError::bad_request(
            "kind is required: which kind of rescue team (hazmat, fire, ...)",
        ));
    }
    Ok((minutes, query.filters))
}

/// `GET /coverage?kind=&minutes=&<rescue team filters>`. A scoped caller
/// gets the coverage of the scope: its people, enterprises and hazard sources.
async fn get(
    query: Filtered<CoverageParams>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (minutes, filters) = parse(query)?;
    let teams = Filter::parse(RescueTeam::FIELDS, filters.pairs())?;
    let state = state.into_inner();
    let body = web::block(move || {
        let catalog = state.store.catalog();
        let graph = state.roads.graph(catalog);
        let c = coverage(catalog, &graph, &teams, minutes * 60.0, scope.0.as_deref());
        let mut body = serde_json::to_value(&c).map_err(ApiError::internal)?;
        let area = geo::Geometry::MultiPolygon(c.reachable);
        body["reachable"] = serde_json::to_value(GeoJsonGeometry(&area)).map_err(ApiError::internal)?;
        Ok::<_, ApiError>(body)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_queries_say_what_is_wrong() {
        let parse = |q: &str| Filtered::parse(q).and_then(parse);
        assert!(parse("kind=hazmat&minutes=30").is_ok());
        for (q, why) in [
            ("kind=hazmat", "minutes is required"),
            ("minutes=30", "kind is required"),
            ("kind=fire&minutes=0", "more than 0"),
            ("kind=fire&minutes=x", "minutes"),
            ("kind=fire&minutes=9999", "at most"),
        ] {
            let err = parse(q).unwrap_err().to_string();
            assert!(err.contains(why), "{q}: {err}");
        }
    }
}
