//! Users and API tokens, for admins: `GET/POST /users`, `PATCH
//! /users/{username}` (role, scope, disabled, password), `GET/POST /tokens`,
//! `DELETE /tokens/{id}`. Each change is an event signed by the admin.
//! A user may be linked to the rescue team they serve in (`team`): the phone
//! layout then shows the incident that team is assigned to.

use crate::command::submit;
use crate::error::ApiError;
use crate::extract::Actor;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use lookout_layers::auth::{Role, Token, User, password, token};
use lookout_layers::scope::ScopeSpec;
use lookout_layers::{Event, FeatureId};
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/users").get(list).post(create))
        .add(super::Endpoint::at("/users/{username}").method(actix_web::http::Method::PATCH, update))
        .add(super::Endpoint::at("/tokens").get(tokens).post(create_token))
        .add(super::Endpoint::at("/tokens/{id}").method(actix_web::http::Method::DELETE, revoke));
}

fn user_json(u: &User) -> Json {
    json!({"username": u.username, "role": u.role, "scope": u.scope, "disabled": u.disabled, "created": u.created,
           "team": u.team})
}

fn token_json(t: &Token) -> Json {
    json!({"id": t.id, "name": t.name, "role": t.role, "scope": t.scope, "created_by": t.created_by,
           "created": t.created, "last_used": t.last_used, "revoked": t.revoked})
}

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::bad_request(format!("request body: {path}: {}", e.inner()))
    })
}

async fn hash(clear: String) -> Result<String, ApiError> {
    password::check_strength(&clear)?;
    Ok(web::block(move || password::hash(&clear))
        .await
        .map_err(ApiError::internal)??)
}

/// `GET /users`
async fn list(state: web::Data<AppState>) -> HttpResponse {
    let users: Vec<Json> = state.store.users().users().map(user_json).collect();
    HttpResponse::Ok().json(json!({"users": users}))
}

/// `POST /users` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    password: String,
    role: Role,
    #[serde(default)]
    scope: Option<ScopeSpec>,
    /// The rescue team they serve in.
    #[serde(default)]
    team: Option<FeatureId>,
}

/// Checks that a team given for a user exists.
fn check_team(state: &AppState, team: Option<FeatureId>) -> Result<Option<FeatureId>, ApiError> {
    if let Some(id) = team
        && state.store.catalog().rescue_teams.read().feature(id).is_none()
    {
        return Err(ApiError::bad_request(format!("team: there is no rescue team {id}")));
    }
    Ok(team)
}

/// `POST /users`
async fn create(state: web::Data<AppState>, actor: Actor, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let new: NewUser = body(&bytes)?;
    lookout_layers::auth::check_username(&new.username)?;
    let team = check_team(&state, new.team)?;
    let event = Event::UserCreated {
        username: new.username.clone(),
        role: new.role,
        scope: new.scope,
        password_hash: hash(new.password).await?,
        team,
    };
    submit(&state, actor.into_inner(), event).await?;
    let users = state.store.users();
    let user = users
        .user(&new.username)
        .ok_or_else(|| ApiError::internal("the new user is missing"))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/users/{}", user.username)))
        .json(user_json(user)))
}

/// `PATCH /users/{username}` body: what changes (`scope: null` lifts the scope).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default, with = "present")]
    scope: Option<Option<ScopeSpec>>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    password: Option<String>,
    /// The rescue team they serve in (`null`: none).
    #[serde(default, with = "present")]
    team: Option<Option<FeatureId>>,
}

/// A field that may be absent (unchanged), null or a value.
mod present {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `PATCH /users/{username}`
async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    username: web::Path<String>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let change: UserChange = body(&bytes)?;
    let current = state
        .store
        .users()
        .user(&username)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no user {:?}", username.as_str())))?;
    let password_hash = match change.password {
        Some(clear) => Some(hash(clear).await?),
        None => None,
    };
    let disabled = change.disabled.unwrap_or(current.disabled);
    let team = match change.team {
        Some(team) => check_team(&state, team)?,
        None => current.team,
    };
    let event = if disabled
        && !current.disabled
        && change.role.is_none()
        && change.scope.is_none()
        && change.team.is_none()
        && password_hash.is_none()
    {
        Event::UserDisabled {
            username: current.username.clone(),
        }
    } else {
        Event::UserUpdated {
            username: current.username.clone(),
            role: change.role.unwrap_or(current.role),
            scope: change.scope.unwrap_or(current.scope),
            disabled,
            password_hash,
            team,
        }
    };
    submit(&state, actor.into_inner(), event).await?;
    let users = state.store.users();
    let user = users
        .user(&username)
        .ok_or_else(|| ApiError::internal("the user is missing"))?;
    Ok(HttpResponse::Ok().json(user_json(user)))
}

/// `GET /tokens`: every token, without its secret.
async fn tokens(state: web::Data<AppState>) -> HttpResponse {
    let tokens: Vec<Json> = state.store.users().tokens().map(token_json).collect();
    HttpResponse::Ok().json(json!({"tokens": tokens}))
}

/// `POST /tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: Role,
    #[serde(default)]
    scope: Option<ScopeSpec>,
}

/// `POST /tokens`: the token is in the answer once; only its hash is stored.
async fn create_token(state: web::Data<AppState>, actor: Actor, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let new: NewToken = body(&bytes)?;
    let secret = token::new_token();
    let id = token::new_id();
    let event = Event::TokenCreated {
        id: id.clone(),
        name: new.name,
        role: new.role,
        scope: new.scope,
        hash: token::digest(&secret),
    };
    submit(&state, actor.into_inner(), event).await?;
    let users = state.store.users();
    let t = users
        .token(&id)
        .ok_or_else(|| ApiError::internal("the new token is missing"))?;
    let mut answer = token_json(t);
    answer["token"] = json!(secret);
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// `DELETE /tokens/{id}`
async fn revoke(state: web::Data<AppState>, actor: Actor, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if state.store.users().token(&id).is_none() {
        return Err(ApiError::not_found(format!("no token {:?}", id.as_str())));
    }
    submit(&state, actor.into_inner(), Event::TokenRevoked { id: id.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}
