//! Photos and documents on a hidden danger's record (`docs/ledger.md`,
//! "Attachments"): uploaded as the raw body (its type told by its content,
//! not by what it was sent as), kept once by their SHA-256, listed on the
//! danger and downloaded with the danger's permission and county scope.

use crate::error::ApiError;
use crate::extract::{Actor, Query};
use crate::limits::MAX_ATTACHMENT_BYTES;
use crate::scope::{RequestScope, visible_danger};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderValue,
};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use lookout_layers::FeatureId;
use lookout_layers::ledger::attachment::{self, Attached};
use lookout_layers::model::{Attachment, LedgerEvent};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/dangers/{id}/attachments").get(list).post(upload))
        .add(super::Endpoint::at("/dangers/{id}/attachments/{sha256}").get(download));
}

fn view(danger: FeatureId, a: &Attached) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["href"] = json!(format!("/dangers/{danger}/attachments/{}", a.attachment.sha256));
    v
}

/// `GET /dangers/{id}/attachments`: what is on its record, in the order added.
async fn list(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    let d = visible_danger(ops.ledger().danger(id), id, &scope)?;
    let items: Vec<_> = d.attachments.iter().map(|a| view(id, a)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "danger": id,
        "attachments": items,
        "numberMatched": items.len(),
        "numberReturned": items.len(),
    })))
}

/// `POST /dangers/{id}/attachments` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name (default `attachment.<ext>`); only its last part is kept.
    pub name: Option<String>,
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "an attachment is at most {} MiB ({MAX_ATTACHMENT_BYTES} bytes); make the photo or scan smaller",
            MAX_ATTACHMENT_BYTES >> 20
        ),
    )
}

/// `POST /dangers/{id}/attachments?name=`: the file as the body. 201 with
/// `Location` when added; 200 with the one on record when the danger has
/// these bytes already (nothing stored); 413 when too large; 415 when the
/// content is not JPEG, PNG, WebP or PDF, or not what it was sent as.
async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<FeatureId>,
    q: Query<UploadQuery>,
    actor: Actor,
    scope: RequestScope,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    {
        let ops = state.store.operations();
        visible_danger(ops.ledger().danger(id), id, &scope)?;
    }
    let limit = usize::try_from(MAX_ATTACHMENT_BYTES).unwrap_or(usize::MAX);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > MAX_ATTACHMENT_BYTES) {
        return Err(too_large());
    }
    let mut bytes = web::BytesMut::with_capacity(declared_length.map_or(0, |n| n as usize));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let media_type = attachment::media_type(&bytes, declared).map_err(|refused| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            refused.to_string(),
        )
    })?;
    // hashed off the server's event loop: 16 MiB take tens of milliseconds
    let bytes = bytes.freeze();
    let (bytes, sha256) = web::block(move || {
        let sha256 = attachment::sha256_hex(&bytes);
        (bytes, sha256)
    })
    .await
    .map_err(ApiError::internal)?;
    {
        let ops = state.store.operations();
        let d = visible_danger(ops.ledger().danger(id), id, &scope)?;
        if let Some(a) = d.attachment(&sha256) {
            return Ok(HttpResponse::Ok().json(view(id, a)));
        }
    }
    let fallback = format!("attachment.{}", attachment::extension(media_type));
    let event = lookout_layers::Event::Ledger(LedgerEvent::AttachmentAdded {
        danger: id,
        attachment: Attachment {
            sha256: sha256.clone(),
            name: attachment::clean_name(q.into_inner().name.as_deref().unwrap_or_default(), &fallback),
            media_type: media_type.to_owned(),
            bytes: bytes.len() as u64,
        },
    });
    // The blob first, durable; then the event that names it.
    let blobs = state.blobs.clone();
    let key = sha256.clone();
    web::block(move || blobs.put_hashed(key, &bytes))
        .await
        .map_err(ApiError::internal)??;
    crate::command::submit(&state, actor.into_inner(), event).await?;
    let ops = state.store.operations();
    let added = ops
        .ledger()
        .danger(id)
        .and_then(|d| d.attachment(&sha256))
        .ok_or_else(|| ApiError::internal(format!("attachment {sha256} of danger {id} was stored but is not held")))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/dangers/{id}/attachments/{sha256}")))
        .json(view(id, added)))
}

/// `GET /dangers/{id}/attachments/{sha256}`: the bytes, with their type,
/// `ETag` (the hash) and `Content-Disposition` (inline for an image,
/// a download for a PDF); 304 for a matching `If-None-Match`.
async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(FeatureId, String)>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let (id, sha256) = path.into_inner();
    let found = {
        let ops = state.store.operations();
        let d = visible_danger(ops.ledger().danger(id), id, &scope)?;
        d.attachment(&sha256).map(|a| a.attachment.clone())
    };
    let a = found.ok_or_else(|| ApiError::not_found(format!("danger {id} has no attachment {sha256}")))?;
    let etag = format!("\"{}\"", a.sha256);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let blobs = state.blobs.clone();
    let key = a.sha256.clone();
    let bytes = web::block(move || blobs.get(&key))
        .await
        .map_err(ApiError::internal)??
        .ok_or_else(|| ApiError::internal(format!("the blob {} of danger {id} is missing", a.sha256)))?;
    let disposition = ContentDisposition {
        disposition: if a.media_type.starts_with("image/") {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![
            DispositionParam::Filename(format!("attachment.{}", attachment::extension(&a.media_type))),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: a.name.clone().into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&a.media_type).map_err(ApiError::internal)?,
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(disposition)
        .body(bytes))
}
