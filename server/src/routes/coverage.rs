//! `GET /coverage?kind=hazmat&minutes=30`: where a kind of rescue team reaches
//! in time by road, and the enterprises and major hazard sources left outside.

use crate::coverage::CoverageKey;
use crate::error::ApiError;
use crate::extract::{CoverageParams, Filtered, PropertyFilters};
use crate::limits::MAX_MINUTES;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
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
/// An answer kept since nothing it depends on changed is sent at once; a new
/// one is worked out on the blocking pool (from the snaps kept, or after
/// snapping everything when the roads changed).
async fn get(
    query: Filtered<CoverageParams>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (minutes, filters) = parse(query)?;
    let teams = Filter::parse(RescueTeam::FIELDS, filters.pairs())?;
    let key = CoverageKey::new(filters.0, minutes, scope.0.as_deref());
    if let Some(body) = state.coverage.cached(&key) {
        return Ok(json(body));
    }
    let state = state.into_inner();
    let body = web::block(move || {
        let catalog = state.store.catalog();
        let graph = state.roads.graph(catalog);
        state
            .coverage
            .answer(catalog, &graph, key, &teams, minutes, scope.0.as_deref())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(json(body))
}

fn json(body: bytes::Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(body)
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
