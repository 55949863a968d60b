//! Extractors: what a handler needs from a request, parsed and checked once,
//! so that a handler's signature says what it takes. Routes get the caller
//! ([`Actor`]), typed query parameters ([`Query`]), property filters
//! ([`PropertyFilters`], with the fixed parameters of [`Filtered`]), the
//! resume point of a live feed ([`LastEventId`]) and tile paths from here;
//! no route parses a query string by hand.
//!
//! Every query struct with fixed parameters refuses an unknown one (a
//! misspelt `?drilll=true` is a 400 naming it), and a wrong value is a 400
//! naming the parameter.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::future::{Ready, ready};

/// Parses a query string into `T`; the error names the parameter at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if path.is_empty() || path == "." {
            ApiError::bad_request(format!("query string: {}", e.inner()))
        } else {
            ApiError::bad_request(format!("query parameter {path}: {}", e.inner()))
        }
    })
}

/// One parameter of a query string: its name and value decoded (borrowed
/// where nothing needed decoding) and its `name=value` text as given.
struct Param<'q> {
    name: Cow<'q, str>,
    value: Cow<'q, str>,
    raw: &'q str,
}

/// The query string's parameters, each decoded once. A parameter given
/// twice is refused.
fn params(query: &str) -> Result<Vec<Param<'_>>, ApiError> {
    // `form_urlencoded::parse` splits on `&` and skips empty parts: the same here.
    let params: Vec<Param<'_>> = query
        .split('&')
        .filter(|raw| !raw.is_empty())
        .filter_map(|raw| {
            form_urlencoded::parse(raw.as_bytes())
                .next()
                .map(|(name, value)| Param { name, value, raw })
        })
        .collect();
    // Sorted names, not a hash set: a handful of parameters, and no hashing
    // of a name a client chose.
    let mut names: Vec<&str> = params.iter().map(|p| &*p.name).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(ApiError::bad_request(format!(
            "parameter {:?} is given twice; list alternatives with commas",
            w[0]
        )));
    }
    Ok(params)
}

/// Typed query parameters. Like `web::Query`, but the 400 names the
/// parameter whose value is wrong, not only what was wrong with it.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

/// Query parameters with fixed names, beside which any other parameter is a
/// property filter (`?industry=coal_mine&risk_level=red,orange`).
pub trait FixedParams: DeserializeOwned {
    /// The names of the fixed parameters (the struct's fields).
    const NAMES: &'static [&'static str];
}

/// Property filters: every query parameter that is not a fixed one, as
/// `name=v1,v2` pairs in the order given. The collection checks the names
/// and values (an unknown property is a 400 there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyFilters(pub Vec<(String, String)>);

impl PropertyFilters {
    /// The filters as borrowed pairs, for `Collection::parse_filter`.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Fixed parameters `T` and the property filters beside them.
#[derive(Debug, Clone)]
pub struct Filtered<T> {
    /// The fixed parameters.
    pub params: T,
    /// The rest: property filters.
    pub filters: PropertyFilters,
}

impl<T: FixedParams> Filtered<T> {
    /// Splits a query string into fixed parameters and property filters.
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        // The fixed parameters are read from their own text as given (no
        // second encoding); the others are the filters.
        let mut fixed = String::with_capacity(query.len());
        let mut filters = Vec::new();
        for p in params(query)? {
            if T::NAMES.contains(&&*p.name) {
                if !fixed.is_empty() {
                    fixed.push('&');
                }
                fixed.push_str(p.raw);
            } else {
                filters.push((p.name.into_owned(), p.value.into_owned()));
            }
        }
        Ok(Self {
            params: parse_query(&fixed)?,
            filters: PropertyFilters(filters),
        })
    }
}

impl<T: FixedParams> FromRequest for Filtered<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()))
    }
}

/// Who makes a change: the authenticated principal the route table's guard
/// found ([`crate::auth::guard`]), never a header a client sets. Signs the
/// events with the user's name and, through a token, the token's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub lookout_layers::Author);

impl Actor {
    /// Who signs the events.
    pub fn into_inner(self) -> lookout_layers::Author {
        self.0
    }

    fn of(req: &HttpRequest) -> Self {
        match crate::auth::principal(req) {
            Some(p) => Self(p.author()),
            None => Self("anonymous".into()),
        }
    }
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// `GET /audit?user=&from=&to=&type=&limit=&offset=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries made by this user, or about them (sign-ins, changes to them).
    pub user: Option<String>,
    /// From this time (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Up to this time, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Event types, comma-separated (`signed_in,sign_in_failed`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries to skip.
    pub offset: Option<usize>,
}

/// Which incidents (or events) a list shows: real ones, drills, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DrillFilter {
    /// `drill=false`: real incidents only.
    #[serde(rename = "false")]
    Real,
    /// `drill=true`: drills only.
    #[serde(rename = "true")]
    Drill,
    /// `drill=all`: both.
    #[serde(rename = "all")]
    All,
}

impl DrillFilter {
    /// Whether an incident (or event) of this drill flag passes.
    pub fn admits(self, drill: bool) -> bool {
        match self {
            Self::Real => !drill,
            Self::Drill => drill,
            Self::All => true,
        }
    }
}

/// `status=open|closed|all` of an incident list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    /// Open incidents.
    Open,
    /// Closed incidents.
    Closed,
    /// Both.
    All,
}

impl StatusFilter {
    /// Whether an incident of this status code passes.
    pub fn admits(self, code: &str) -> bool {
        match self {
            Self::Open => code == "open",
            Self::Closed => code == "closed",
            Self::All => true,
        }
    }
}

/// `limit` and `offset` of a list, checked against its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Entries per page.
    pub limit: usize,
    /// Entries skipped.
    pub offset: usize,
}

impl Page {
    /// The page asked for: `limit` defaults to `default` and must be 1..=`max`.
    pub fn new(limit: Option<usize>, offset: Option<usize>, default: usize, max: usize) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be a whole number from 1 to {max}, not {limit}"
            )));
        }
        Ok(Self {
            limit,
            offset: offset.unwrap_or(0),
        })
    }
}

/// `GET /incidents`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsQuery {
    /// `open`, `closed` or `all` (default).
    pub status: Option<StatusFilter>,
    /// Real (default), drills or all.
    pub drill: Option<DrillFilter>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries to skip.
    pub offset: Option<usize>,
}

/// Lists of one world, paged: `?drill=false|true|all&limit=&offset=`
/// (`GET /incidents/zones`, `GET /teams/status`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillQuery {
    /// Real (default), drills or all.
    pub drill: Option<DrillFilter>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries to skip.
    pub offset: Option<usize>,
}

/// `GET /search?q=太原&limit=12`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// What to look for: part of a name, or its pinyin (full or initials).
    pub q: String,
    /// Most hits.
    pub limit: Option<usize>,
}

/// `GET /incidents/{id}/recommendation?k=3`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationQuery {
    /// Teams per needed kind.
    pub k: Option<usize>,
}

/// `GET /events?after=0&limit=500&offset=0&drill=all`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// List the events after this one (else `Last-Event-ID`, else from the start).
    pub after: Option<u64>,
    /// Page size.
    pub limit: Option<usize>,
    /// Real, drills or all (default).
    pub drill: Option<DrillFilter>,
}

/// `GET /events/stream?after=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Resume after this event (else `Last-Event-ID`, else live events only).
    pub after: Option<u64>,
}

/// `GET /replay?at=&drill=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// The time, RFC 3339.
    pub at: Option<String>,
    /// Real (default), drills or all.
    pub drill: Option<DrillFilter>,
    /// Incidents per page.
    pub limit: Option<usize>,
    /// Incidents to skip.
    pub offset: Option<usize>,
}

impl ReplayQuery {
    /// The time asked for.
    pub fn at(&self) -> Result<DateTime<Utc>, ApiError> {
        self.at
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("at is required: a time, RFC 3339 (2026-11-23T08:00:00Z)"))?
            .parse()
            .map_err(|e| ApiError::bad_request(format!("at must be an RFC 3339 time: {e}")))
    }
}

/// The fixed parameters of `GET /nearest`; the rest are filters on `layer`.
#[derive(Debug, Clone, Deserialize)]
pub struct NearestParams {
    /// Longitude of the origin.
    pub lon: Option<f64>,
    /// Latitude of the origin.
    pub lat: Option<f64>,
    /// The layer of points to rank (default `rescue_teams`).
    pub layer: Option<String>,
    /// How many.
    pub k: Option<usize>,
    /// `time` (default) or `distance`.
    pub by: Option<NearestBy>,
    /// Warehouses: an item in stock.
    pub item: Option<String>,
    /// Warehouses: at least this many of `item`.
    pub min_count: Option<u32>,
    /// Shelters: at least this many free places.
    pub min_free: Option<u32>,
    /// Return the route geometry.
    pub route: Option<bool>,
    /// Routes keep out of the zones of open drills (`true`) instead of real incidents'.
    pub drill: Option<bool>,
    /// Routes keep out of open incidents' zones (default `true`).
    pub avoid: Option<bool>,
}

impl FixedParams for NearestParams {
    const NAMES: &'static [&'static str] = &[
        "lon",
        "lat",
        "layer",
        "k",
        "by",
        "item",
        "min_count",
        "min_free",
        "route",
        "drill",
        "avoid",
    ];
}

/// How `/nearest` ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NearestBy {
    /// Road travel time.
    Time,
    /// Straight-line distance.
    Distance,
}

/// The fixed parameter of `GET /coverage`; the rest (`kind` is required)
/// are rescue-team filters.
#[derive(Debug, Clone, Deserialize)]
pub struct CoverageParams {
    /// The time limit, minutes.
    pub minutes: Option<f64>,
}

impl FixedParams for CoverageParams {
    const NAMES: &'static [&'static str] = &["minutes"];
}

/// The fixed parameters of `GET /collections/{id}/items`; the rest are property filters.
#[derive(Debug, Clone, Deserialize)]
pub struct ItemsParams {
    /// `minLon,minLat,maxLon,maxLat`.
    pub bbox: Option<String>,
    /// Page size (capped).
    pub limit: Option<usize>,
    /// Entries to skip.
    pub offset: Option<usize>,
    /// CRS of `bbox`: CRS84 only.
    #[serde(rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// CRS of the answer: CRS84 only.
    pub crs: Option<String>,
    /// Format: `json` only.
    pub f: Option<String>,
    /// Refused: no collection has a temporal extent.
    pub datetime: Option<String>,
}

impl FixedParams for ItemsParams {
    const NAMES: &'static [&'static str] = &["bbox", "limit", "offset", "bbox-crs", "crs", "f", "datetime"];
}

/// The fixed parameter of a tile: `source=memory|postgis`; the rest are filters.
#[derive(Debug, Clone, Deserialize)]
pub struct TileParams {
    /// Which encoder makes the tile.
    pub source: Option<String>,
}

impl FixedParams for TileParams {
    const NAMES: &'static [&'static str] = &["source"];
}

/// `/tiles/{layers}/{z}/{x}/{y}`.
#[derive(Debug, Clone, Deserialize)]
pub struct TilePath {
    /// One layer, or several joined by commas.
    pub layers: String,
    /// Zoom.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

/// `/tiles/{layers}` (TileJSON).
#[derive(Debug, Clone, Deserialize)]
pub struct TileJsonPath {
    /// One layer, or several joined by commas.
    pub layers: String,
}

/// Where a reader of the event record resumes: the `Last-Event-ID` header
/// (browsers send it when an `EventSource` reconnects), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastEventId(pub Option<u64>);

impl FromRequest for LastEventId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = req.headers().get("last-event-id").map(|v| v.to_str());
        ready(match header {
            None => Ok(Self(None)),
            Some(Ok(v)) if v.trim().is_empty() => Ok(Self(None)),
            Some(Ok(v)) => v
                .trim()
                .parse()
                .map(|n| Self(Some(n)))
                .map_err(|_| ApiError::bad_request(format!("Last-Event-ID is a whole number, not {v:?}"))),
            Some(Err(_)) => Err(ApiError::bad_request("Last-Event-ID is a whole number")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_query_parameter_is_refused_by_name() {
        let err = parse_query::<IncidentsQuery>("drilll=true").unwrap_err().to_string();
        assert!(err.contains("drilll"), "{err}");
        let err = parse_query::<RecommendationQuery>("k=three").unwrap_err().to_string();
        assert!(err.contains("query parameter k"), "{err}");
        let err = parse_query::<IncidentsQuery>("drill=maybe").unwrap_err().to_string();
        assert!(err.contains("drill") && err.contains("maybe"), "{err}");
        let q = parse_query::<IncidentsQuery>("status=open&drill=all&limit=5").unwrap();
        assert_eq!(
            (q.status, q.drill, q.limit),
            (Some(StatusFilter::Open), Some(DrillFilter::All), Some(5))
        );
    }

    #[test]
    fn fixed_parameters_and_property_filters_are_told_apart() {
        let f = Filtered::<CoverageParams>::parse("kind=hazmat&minutes=30&status=available").unwrap();
        assert_eq!(f.params.minutes, Some(30.0));
        assert_eq!(f.filters.pairs(), vec![("kind", "hazmat"), ("status", "available")]);
        assert!(Filtered::<CoverageParams>::parse("minutes=x").is_err());
        assert!(Filtered::<CoverageParams>::parse("kind=a&kind=b").is_err());
        // Names and values percent-encoded (or with `+`) are read decoded,
        // on either side; empty parts are skipped; a name given twice in
        // two spellings is still given twice.
        let f =
            Filtered::<CoverageParams>::parse("&min%75tes=12.5&&name=%E5%A4%AA%E5%8E%9F+a%26b&kind=x%2Cy&").unwrap();
        assert_eq!(f.params.minutes, Some(12.5));
        assert_eq!(f.filters.pairs(), vec![("name", "太原 a&b"), ("kind", "x,y")]);
        let err = Filtered::<CoverageParams>::parse("minutes=5&min%75tes=6")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"minutes\" is given twice"), "{err}");
        let err = Filtered::<CoverageParams>::parse("minutes=soon")
            .unwrap_err()
            .to_string();
        assert!(err.contains("minutes"), "{err}");
    }

    #[test]
    fn fixed_names_are_the_fields() {
        // Every name listed deserializes; a typo in NAMES would make it a filter.
        let q = NearestParams::NAMES
            .iter()
            .map(|n| match *n {
                "lon" | "lat" => format!("{n}=1"),
                "k" | "min_count" | "min_free" => format!("{n}=1"),
                "by" => "by=time".into(),
                "route" | "drill" | "avoid" => format!("{n}=true"),
                _ => format!("{n}=x"),
            })
            .collect::<Vec<_>>()
            .join("&");
        let f = Filtered::<NearestParams>::parse(&q).unwrap();
        assert!(f.filters.is_empty());
        assert!(f.params.lon.is_some() && f.params.route == Some(true) && f.params.item.is_some());
        assert!(f.params.drill == Some(true) && f.params.avoid == Some(true));
    }
}

/// `GET /risk/grid?resolution=6&bbox=w,s,e,n` (docs/risk-method.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskGridQuery {
    /// 5 (province), 6 (city) or 7 (county view); default 6.
    pub resolution: Option<u8>,
    /// `west,south,east,north` in lon/lat: cells whose centre lies inside.
    pub bbox: Option<String>,
}

/// `GET /risk/choropleth?level=county&measure=score&method=jenks&classes=5`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoroplethQuery {
    /// `county` (default) or `city`.
    pub level: Option<lookout_layers::risk::choropleth::Level>,
    /// What is mapped (default `score`).
    pub measure: Option<lookout_layers::risk::choropleth::Measure>,
    /// `total` (default), `10k_people` or `km2`.
    pub per: Option<lookout_layers::risk::choropleth::Per>,
    /// `quantiles`, `jenks` or `fixed` (default: `fixed` for the score, else `quantiles`).
    pub method: Option<lookout_layers::risk::choropleth::Method>,
    /// How many classes (quantiles, Jenks), 2–7; default 4.
    pub classes: Option<usize>,
    /// Inner breaks for `fixed`, rising, comma-separated.
    pub breaks: Option<String>,
}
