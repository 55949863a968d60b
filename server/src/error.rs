//! The one HTTP error type: a status and a JSON body `{ "error", "message" }`.
//! Client errors say what was wrong; server errors are logged in full and
//! shown to the client without internals.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use lookout_layers::Error as LayerError;
use serde::Serialize;

/// An error answered over HTTP.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    /// 400 with a reason.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }

    /// 404 with a reason.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// Any status with a code and a reason.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 503: the store cannot take changes now; the reason says why.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "store_unavailable",
            message: message.into(),
        }
    }

    /// 500; `detail` goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal server error; see the server log".into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((actix_web::http::header::RETRY_AFTER, "2"));
        }
        response.json(Body {
            error: self.code,
            message: &self.message,
        })
    }
}

impl From<LayerError> for ApiError {
    fn from(e: LayerError) -> Self {
        match &e {
            LayerError::UnknownCollection(_) | LayerError::UnknownFeature { .. } => Self::not_found(e.to_string()),
            LayerError::BadFilter(_) | LayerError::InvalidRequest(_) => Self::bad_request(e.to_string()),
            LayerError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", e.to_string()),
            LayerError::InvalidFeature { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_feature", e.to_string())
            }
            LayerError::InvalidGeometry { .. } => Self::new(StatusCode::BAD_REQUEST, "invalid_geometry", e.to_string()),
            LayerError::DuplicateFeature { .. } => Self::new(StatusCode::CONFLICT, "conflict", e.to_string()),
            LayerError::StoreUnavailable(_) => {
                tracing::warn!("{e}");
                Self::unavailable(format!(
                    "{e}; reads still answer from memory, try the change again shortly"
                ))
            }
            LayerError::Io { .. }
            | LayerError::BadData { .. }
            | LayerError::CorruptJournal { .. }
            | LayerError::Database(_)
            | LayerError::BadConfig(_) => Self::internal(&e),
        }
    }
}
