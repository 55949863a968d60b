//! `POST /import/{layer}`: a bureau's register imported into a running
//! server (the embedded journal has one writer, so `lookout import` is
//! refused while a server holds it): multipart/form-data with the `file`
//! (its name's extension gives the format) and the `mapping` (TOML), the
//! same checks, report and events as the command line (docs/data.md).

use crate::error::ApiError;
use crate::extract::{Actor, Query};
use crate::limits::MAX_IMPORT_BYTES;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use lookout_layers::import::{self, Options, crs::Crs, formats, mapping::Mapping};
use serde::Deserialize;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/import/{layer}").post(import));
}

/// `POST /import/{layer}` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check and report only.
    #[serde(default)]
    pub dry_run: bool,
    /// The register's coordinate system (as `--crs`).
    pub crs: Option<String>,
    /// Remove the features imported before that the file no longer has.
    #[serde(default)]
    pub delete_missing: bool,
    /// Store nothing when any row is refused.
    #[serde(default)]
    pub strict: bool,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

async fn import(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    q: Query<ImportQuery>,
    mut form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    let layer = path.into_inner();
    import::layer_of(&layer)?;
    if scope.get().is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "an import writes the register of the whole region; a user limited to a scope cannot import",
        ));
    }
    let q = q.into_inner();
    let (mut file, mut mapping, mut total) = (None, None, 0usize);
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| bad(format!("multipart/form-data: {e}")))?;
        let name = part.name().unwrap_or_default().to_owned();
        let filename = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or_default()
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| bad(format!("multipart/form-data: {e}")))?;
            total += chunk.len();
            if total > MAX_IMPORT_BYTES {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "an import over HTTP takes at most {} MiB; use `lookout import` on the server for a larger register",
                        MAX_IMPORT_BYTES >> 20
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = Some((filename, bytes)),
            "mapping" => mapping = Some(bytes),
            other => return Err(bad(format!("unknown part {other:?}: send `file` and `mapping`"))),
        }
    }
    let (Some((filename, bytes)), Some(mapping)) = (file, mapping) else {
        return Err(bad(
            "send multipart/form-data with a `file` part (the register) and a `mapping` part (TOML)",
        ));
    };
    let mapping = Mapping::parse(&String::from_utf8_lossy(&mapping))?;
    if mapping.layer != layer {
        return Err(bad(format!("the mapping is for {:?}, not {layer:?}", mapping.layer)));
    }
    let format = formats::Format::of(std::path::Path::new(&filename))?;
    let crs: Option<Crs> = q.crs.as_deref().map(str::parse).transpose()?;
    let options = Options {
        crs,
        delete_missing: q.delete_missing,
        strict: q.strict,
    };
    let store = state.store.clone();
    let author = actor.into_inner();
    let report = web::block(move || -> lookout_layers::Result<import::report::Report> {
        let table = formats::read_bytes(&bytes, format, &mapping)?;
        let plan = import::plan(store.catalog(), &mapping, &table, format.name(), &options)?;
        if q.dry_run || (options.strict && plan.report.refused_rows > 0) {
            return Ok(plan.report);
        }
        import::store(&store, author, plan)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(report))
}
