//! The application: the route table with its extractor settings, used by
//! `serve` and by tests.

use crate::error::ApiError;
use crate::routes;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};

/// Largest request body accepted (a feature with a detailed polygon fits easily).
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// Registers every route; used by the server and by `actix_web::test::init_service`.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    let web_dir = state.settings.web_dir.clone();
    cfg.app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_BODY_BYTES)
                .content_type_required(false)
                .error_handler(|err, _| ApiError::bad_request(format!("request body: {err}")).into()),
        )
        .app_data(web::PathConfig::default().error_handler(|err, _| ApiError::not_found(format!("{err}")).into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| ApiError::bad_request(format!("{err}")).into()))
        .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES));
    routes::configure(cfg);
    routes::map::configure(cfg, web_dir.as_deref());
}

/// The whole application.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // CORS is closed unless origins are configured: then no CORS header at all.
    let origins = &state.settings.edge.cors_origins;
    let cors = actix_web::middleware::Condition::new(!origins.is_empty(), crate::edge::cors(origins));
    App::new()
        .wrap(actix_web::middleware::from_fn(crate::idempotency::middleware))
        .wrap(actix_web::middleware::from_fn(crate::edge::plain_small_bodies))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(cors)
        .wrap(actix_web::middleware::from_fn(crate::edge::middleware))
        .wrap(actix_web::middleware::from_fn(crate::telemetry::prometheus::measure))
        .wrap(actix_web::middleware::from_fn(crate::telemetry::access_log))
        .configure(|cfg| configure(cfg, state))
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::not_found("no such route; see /openapi.json"))
        }))
}
