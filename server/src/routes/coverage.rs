//! `GET /coverage?kind=hazmat&minutes=30`: where a kind of rescue team reaches
//! in time by road, and the enterprises and major hazard sources left outside.

use crate::app::AppState;
use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};
use lookout_layers::coverage::coverage;
use lookout_layers::feature::GeoJsonGeometry;
use lookout_layers::model::RescueTeam;
use lookout_layers::{Filter, Record};

/// Longest time limit, minutes.
pub const MAX_MINUTES: f64 = 240.0;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/coverage", web::get().to(get));
}

fn parse(query: &str) -> Result<(f64, Vec<(String, String)>), ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
    let mut minutes = None;
    let mut filters = Vec::new();
    for (k, v) in pairs {
        if k == "minutes" {
            let m: f64 = v
                .parse()
                .map_err(|_| ApiError::bad_request(format!("minutes must be a number, not {v:?}")))?;
            if !(m > 0.0 && m <= MAX_MINUTES) {
                return Err(ApiError::bad_request(format!(
                    "minutes must be more than 0 and at most {MAX_MINUTES}"
                )));
            }
            minutes = Some(m);
        } else {
            filters.push((k, v));
        }
    }
    if !filters.iter().any(|(k, _)| k == "kind") {
        return Err(ApiError::bad_request(
            "kind is required: which kind of rescue team (hazmat, fire, ...)",
        ));
    }
    Ok((
        minutes.ok_or_else(|| ApiError::bad_request("minutes is required"))?,
        filters,
    ))
}

/// `GET /coverage?kind=&minutes=&<rescue team filters>`.
async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (minutes, filters) = parse(req.query_string())?;
    let teams = Filter::parse(
        RescueTeam::FIELDS,
        filters.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let state = state.into_inner();
    let body = web::block(move || {
        let catalog = state.store.catalog();
        let graph = state.roads.graph(catalog);
        let c = coverage(catalog, &graph, &teams, minutes * 60.0);
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
        assert!(parse("kind=hazmat&minutes=30").is_ok());
        for (q, why) in [
            ("kind=hazmat", "minutes is required"),
            ("minutes=30", "kind is required"),
            ("kind=fire&minutes=0", "more than 0"),
            ("kind=fire&minutes=x", "number"),
            ("kind=fire&minutes=9999", "at most"),
        ] {
            let err = parse(q).unwrap_err().to_string();
            assert!(err.contains(why), "{q}: {err}");
        }
    }
}
