//! Sign-in (`docs/security.md`, "Sign-in"): `POST /auth/login` (a session
//! cookie and its CSRF token), `POST /auth/logout`, `GET /auth/me`, and
//! `POST /auth/setup`, which makes the first admin with the one-time token
//! `lookout serve` prints on a first start.

use crate::auth::{self, Principal, SESSION_PREFIX, Via};
use crate::command::submit;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use lookout_layers::auth::{Role, SESSION_HOURS, User, password, token};
use lookout_layers::{Author, Event};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/auth/login").post(login))
        .add(super::Endpoint::at("/auth/logout").post(logout))
        .add(super::Endpoint::at("/auth/me").get(me))
        .add(super::Endpoint::at("/auth/setup").post(setup));
}

/// `POST /auth/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    password: String,
}

/// `POST /auth/setup` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    token: String,
    username: String,
    password: String,
}

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("request body: {e}")))
}

fn user_json(username: &str, role: Role, scope: &Option<lookout_layers::scope::ScopeSpec>) -> serde_json::Value {
    json!({"username": username, "role": role, "scope": scope})
}

/// The rescue team the user serves in, with the incident it is assigned to
/// now in each world (`real`, `drill`), or null.
fn team_json(state: &AppState, username: &str) -> serde_json::Value {
    let Some(id) = state.store.users().user(username).and_then(|u| u.team) else {
        return serde_json::Value::Null;
    };
    let name = state
        .store
        .catalog()
        .rescue_teams
        .read()
        .feature(id)
        .map(|f| f.properties.name.clone());
    let ops = state.store.operations();
    let assignment = |drill: bool| {
        ops.units(drill).get(&id).and_then(|u| {
            u.incident
                .map(|incident| json!({"incident": incident, "status": u.status}))
        })
    };
    json!({"id": id, "name": name, "real": assignment(false), "drill": assignment(true)})
}

/// A hash to verify against when the user is unknown, so the answer takes as long.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password, never used").unwrap_or_default())
}

/// Signs `user` in: a `signed_in` event with the session's hash, the
/// cookie, and the answer with the CSRF token.
async fn sign_in(state: &AppState, user: &User, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let secret = token::generate(SESSION_PREFIX);
    let expires = Utc::now() + TimeDelta::hours(SESSION_HOURS);
    let event = Event::SignedIn {
        username: user.username.clone(),
        session: token::digest(&secret),
        expires,
    };
    submit(state, Author::from(user.username.as_str()), event).await?;
    Ok(HttpResponse::build(status)
        .insert_header((
            header::SET_COOKIE,
            auth::cookie(&secret, SESSION_HOURS * 3600, state.tls),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "user": user_json(&user.username, user.role, &user.scope),
            "csrf_token": auth::csrf_of(&secret),
            "expires": expires,
        })))
}

/// `POST /auth/login {"username", "password"}`
async fn login(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let Login { username, password } = body(&bytes)?;
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let wait = state.store.users().sign_in_wait(&username, &address, Utc::now());
    if let Some(wait) = wait {
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {} s", wait.as_secs().max(1)),
        );
        let mut response = actix_web::ResponseError::error_response(&e);
        if let Ok(v) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let user = state.store.users().user(&username).cloned();
    let stored = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let matches = web::block(move || password::verify(&password, &stored))
        .await
        .map_err(ApiError::internal)?;
    let refusal = match &user {
        None => Some("unknown user"),
        Some(_) if !matches => Some("wrong password"),
        Some(u) if u.disabled => Some("user disabled"),
        Some(_) => None,
    };
    let (Some(user), None) = (user, refusal) else {
        let event = Event::SignInFailed {
            username: username.chars().take(64).collect(),
            address,
            reason: refusal.unwrap_or_default().into(),
        };
        if let Err(e) = submit(&state, Author::from("anonymous"), event).await {
            tracing::warn!(error = %e, "a failed sign-in could not be recorded");
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong user name or password, or the user is disabled",
        ));
    };
    sign_in(&state, &user, StatusCode::OK).await
}

/// `POST /auth/logout`: ends the session and clears the cookie.
async fn logout(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(p) = auth::principal(&req)
        && let Via::Session { hash, .. } = &p.via
    {
        let event = Event::SignedOut {
            username: p.username.clone(),
            session: hash.clone(),
        };
        submit(&state, p.author(), event).await?;
    }
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, auth::cookie("", 0, state.tls)))
        .finish())
}

/// `GET /auth/me`: the signed-in user, their CSRF token, whether the server runs open.
async fn me(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p: Option<std::sync::Arc<Principal>> = auth::principal(&req);
    let p = p.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "not signed in"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "user": user_json(&p.username, p.role, &p.scope),
            "team": team_json(&state, &p.username),
            "token": p.token,
            "csrf_token": p.csrf(),
            "dev_open": state.auth.dev_open(),
        })))
}

/// `POST /auth/setup {"token", "username", "password"}`: the first admin,
/// with the one-time token printed on a first start; signs them in.
async fn setup(state: web::Data<AppState>, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let Setup {
        token: secret,
        username,
        password: clear,
    } = body(&bytes)?;
    if !state.store.users().is_empty() {
        return Err(ApiError::conflict(
            "Lookout has users already; an admin adds more (POST /users or `lookout user add`)",
        ));
    }
    lookout_layers::auth::check_username(&username)?;
    password::check_strength(&clear)?;
    if !state.auth.take_setup_token(&secret) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the set-up token is wrong or was used already; restart `lookout serve` for a new one",
        ));
    }
    let hash = web::block(move || password::hash(&clear))
        .await
        .map_err(ApiError::internal)??;
    let event = Event::UserCreated {
        username: username.clone(),
        role: Role::Admin,
        scope: None,
        password_hash: hash,
        team: None,
    };
    submit(&state, Author::from(username.as_str()), event).await?;
    let user = state
        .store
        .users()
        .user(&username)
        .cloned()
        .ok_or_else(|| ApiError::internal("the new admin is missing"))?;
    tracing::info!(user = %username, "first admin set up");
    sign_in(&state, &user, StatusCode::CREATED).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_decoy_hash_is_a_real_argon2id_hash() {
        assert!(super::decoy_hash().starts_with("$argon2id$"));
    }
}
