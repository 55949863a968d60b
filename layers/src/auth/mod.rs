//! Who may do what (`docs/security.md`): roles, permissions, users, API
//! tokens and sessions. Every change to them is an event in the store's log
//! (user created/updated/disabled, token created/revoked/used, signed in,
//! sign-in failed, signed out), folded here into [`Users`] on every replica.
//! Passwords, tokens and session ids are kept only as hashes
//! ([`password`], [`token`]).

pub mod password;
pub mod throttle;
pub mod token;

use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
pub use crate::model::{Role, ScopeSpec};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The permissions a route may need (the table of `docs/security.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Every other GET; `/auth/me`, sign-out.
    Read,
    /// Compute without storing: impact, exposure.
    Analyse,
    /// Incidents, dispatch, team statuses, notes.
    Respond,
    /// Start scenarios, fire injects.
    Drill,
    /// Write features of every collection but `counties`.
    EditRegisters,
    /// Write `counties`.
    EditBoundaries,
    /// Sensor readings.
    Ingest,
    /// Users, tokens, the audit log.
    Administer,
    /// Record in the supervision ledger: report hidden dangers, move them on.
    Supervise,
}

impl Role {
    /// Every role, in the order of the table.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Commander,
        Role::Dispatcher,
        Role::Planner,
        Role::Inspector,
        Role::Viewer,
        Role::Sensor,
    ];

    /// The name, as in the API and the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Commander => "commander",
            Role::Dispatcher => "dispatcher",
            Role::Planner => "planner",
            Role::Inspector => "inspector",
            Role::Viewer => "viewer",
            Role::Sensor => "sensor",
        }
    }

    /// Whether the role has `permission` (for `edit_registers`, on some
    /// collection: see [`Role::may_edit`]).
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match permission {
            P::Read | P::Analyse => self != R::Sensor,
            P::Respond | P::Drill => matches!(self, R::Admin | R::Commander | R::Dispatcher),
            P::EditRegisters => matches!(self, R::Admin | R::Planner | R::Inspector),
            P::EditBoundaries | P::Administer => self == R::Admin,
            P::Ingest => matches!(self, R::Admin | R::Sensor),
            P::Supervise => matches!(self, R::Admin | R::Dispatcher | R::Inspector),
        }
    }

    /// Whether the role may write features of `collection`: the permission
    /// it needs ([`Permission::for_collection`]), and an inspector only on
    /// enterprises and hazard sources.
    pub fn may_edit(self, collection: &str) -> bool {
        let permission = Permission::for_collection(collection);
        self.allows(permission) && (self != Role::Inspector || INSPECTED.contains(&collection))
    }
}

/// The collections an inspector edits.
pub const INSPECTED: [&str; 2] = ["enterprises", "hazard_sources"];

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            Error::InvalidRequest(format!("role must be one of {}, not {s:?}", names.join(", ")))
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Permission {
    /// Every permission, in the order of the table.
    pub const ALL: [Permission; 9] = [
        Permission::Read,
        Permission::Analyse,
        Permission::Respond,
        Permission::Drill,
        Permission::EditRegisters,
        Permission::EditBoundaries,
        Permission::Ingest,
        Permission::Administer,
        Permission::Supervise,
    ];

    /// The name, as in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Analyse => "analyse",
            Permission::Respond => "respond",
            Permission::Drill => "drill",
            Permission::EditRegisters => "edit_registers",
            Permission::EditBoundaries => "edit_boundaries",
            Permission::Ingest => "ingest",
            Permission::Administer => "administer",
            Permission::Supervise => "supervise",
        }
    }

    /// What writing features of `collection` needs.
    pub fn for_collection(collection: &str) -> Self {
        if collection == "counties" {
            Permission::EditBoundaries
        } else {
            Permission::EditRegisters
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;
/// A token's use is recorded at most this often.
pub const TOKEN_USE_EVERY: TimeDelta = TimeDelta::hours(1);

/// A user, as folded from the events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Sign-in name.
    pub username: String,
    /// What they may do.
    pub role: Role,
    /// The area they are limited to; `None`: the whole region.
    pub scope: Option<ScopeSpec>,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// When created.
    pub created: DateTime<Utc>,
    /// Argon2id PHC string.
    #[serde(skip)]
    pub password_hash: String,
    /// The rescue team they serve in, if any (field staff).
    pub team: Option<FeatureId>,
}

/// An API token, as folded from the events (its hash is the key it is found by).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    /// Public id.
    pub id: String,
    /// Name, recorded with each event made through it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The area it is limited to.
    pub scope: Option<ScopeSpec>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created: DateTime<Utc>,
    /// When it was last recorded as used.
    pub last_used: Option<DateTime<Utc>>,
    /// Revoked tokens are refused.
    pub revoked: bool,
}

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Whose.
    pub username: String,
    /// When it ends.
    pub expires: DateTime<Utc>,
}

/// One event as the audit log lists it: who, when, what, with the names it
/// concerns but never a hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the log.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// The authenticated user.
    pub actor: String,
    /// The token's name, if it came through one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What it concerns: the collection (and feature), the user or the token,
    /// with the role or the reason where there is one.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// The audit line of a stored event.
    pub fn of(record: &EventRecord) -> Self {
        use serde_json::json;
        let e = &record.event;
        let detail = match e {
            Event::UserCreated {
                username,
                role,
                scope,
                team,
                ..
            } => {
                json!({"username": username, "role": role, "scope": scope, "team": team})
            }
            Event::UserUpdated {
                username,
                role,
                scope,
                disabled,
                password_hash,
                team,
            } => json!({"username": username, "role": role, "scope": scope, "disabled": disabled,
                        "password_changed": password_hash.is_some(), "team": team}),
            Event::UserDisabled { username } => json!({"username": username}),
            Event::TokenCreated { id, name, role, .. } => json!({"token_id": id, "name": name, "role": role}),
            Event::TokenRevoked { id } | Event::TokenUsed { id } => json!({"token_id": id}),
            Event::SignedIn { username, expires, .. } => json!({"username": username, "expires": expires}),
            Event::SignInFailed {
                username,
                address,
                reason,
            } => json!({"username": username, "address": address, "reason": reason}),
            Event::SignedOut { username, .. } => json!({"username": username}),
            other => json!({"collection": other.collection(), "id": other.feature_id(), "drill": other.drill()}),
        };
        Self {
            seq: record.seq,
            at: record.at,
            actor: record.actor.clone(),
            token: record.token.clone(),
            kind: e.kind(),
            detail,
        }
    }

    /// The user the entry concerns, beside its actor (the one signing in, the user changed).
    pub fn subject(&self) -> Option<&str> {
        self.detail.get("username").and_then(serde_json::Value::as_str)
    }
}

/// One line of the audit log: the stored event it lists, its
/// [`AuditEntry`] made when read (a million history events need no
/// million entries built at start, nor kept), or the entry itself where the
/// event is held as data (a feature change in a snapshot).
#[derive(Debug, Clone, PartialEq)]
pub enum AuditLine {
    /// A stored event, shared with the operations log.
    Event(std::sync::Arc<EventRecord>),
    /// An entry kept as it is.
    Entry(AuditEntry),
}

impl AuditLine {
    /// Position in the log.
    pub fn seq(&self) -> u64 {
        match self {
            Self::Event(r) => r.seq,
            Self::Entry(e) => e.seq,
        }
    }

    /// When.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Event(r) => r.at,
            Self::Entry(e) => e.at,
        }
    }

    /// The authenticated user.
    pub fn actor(&self) -> &str {
        match self {
            Self::Event(r) => &r.actor,
            Self::Entry(e) => &e.actor,
        }
    }

    /// The event type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Event(r) => r.event.kind(),
            Self::Entry(e) => e.kind,
        }
    }

    /// [`AuditEntry::subject`], read from the event where there is one.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Self::Event(r) => match &r.event {
                Event::UserCreated { username, .. }
                | Event::UserUpdated { username, .. }
                | Event::UserDisabled { username }
                | Event::SignedIn { username, .. }
                | Event::SignInFailed { username, .. }
                | Event::SignedOut { username, .. } => Some(username),
                _ => None,
            },
            Self::Entry(e) => e.subject(),
        }
    }

    /// The entry as the audit log lists it.
    pub fn entry(&self) -> std::borrow::Cow<'_, AuditEntry> {
        match self {
            Self::Event(r) => std::borrow::Cow::Owned(AuditEntry::of(r)),
            Self::Entry(e) => std::borrow::Cow::Borrowed(e),
        }
    }
}

impl Serialize for AuditLine {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.entry().serialize(serializer)
    }
}

/// Users, tokens and sessions: the fold of the auth events, and the audit
/// log of every event.
#[derive(Debug, Clone, Default)]
pub struct Users {
    users: BTreeMap<String, User>,
    tokens: BTreeMap<String, Token>,
    token_by_hash: HashMap<String, String>,
    sessions: HashMap<String, Session>,
    failures: throttle::Failures,
    audit: Vec<AuditLine>,
}

/// Checks a sign-in name: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
pub fn check_username(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "a user name has 1 to 64 letters, digits, '.', '_', '-' or '@', not {name:?}"
        )))
    }
}

impl Users {
    /// Every user, by name.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// One user.
    pub fn user(&self, username: &str) -> Option<&User> {
        self.users.get(username)
    }

    /// Whether there is no user yet (the first start: a set-up token is offered).
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Every token, by id.
    pub fn tokens(&self) -> impl Iterator<Item = &Token> {
        self.tokens.values()
    }

    /// One token, by id.
    pub fn token(&self, id: &str) -> Option<&Token> {
        self.tokens.get(id)
    }

    /// The live token whose SHA-256 is `hash`: not revoked, and its creator,
    /// if a user, neither disabled nor any longer an administrator.
    pub fn token_by_hash(&self, hash: &str) -> Option<&Token> {
        let token = self.tokens.get(self.token_by_hash.get(hash)?)?;
        // A token's powers came from an administrator: they end when its
        // creator is disabled or is no longer an administrator. (A token
        // made on the command line has no user behind it.)
        let creator_lapsed = self
            .users
            .get(&token.created_by)
            .is_some_and(|u| u.disabled || !u.role.allows(Permission::Administer));
        (!token.revoked && !creator_lapsed).then_some(token)
    }

    /// The live session whose SHA-256 is `hash`, with its user (enabled), at `now`.
    pub fn session(&self, hash: &str, now: DateTime<Utc>) -> Option<(&Session, &User)> {
        let session = self.sessions.get(hash)?;
        let user = self.users.get(&session.username)?;
        (session.expires > now && !user.disabled).then_some((session, user))
    }

    /// How many sessions are open (expired ones are dropped as new ones come).
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The audit log, oldest first.
    pub fn audit(&self) -> &[AuditLine] {
        &self.audit
    }

    /// Checks an auth event against the users as they are: names well
    /// formed, a new user or token new, a changed one present.
    pub fn check(&self, event: Event) -> Result<Event> {
        let known = |username: &str| {
            self.users
                .get(username)
                .ok_or_else(|| Error::InvalidRequest(format!("no user {username:?}")))
        };
        match &event {
            Event::UserCreated { username, .. } => {
                check_username(username)?;
                if self.users.contains_key(username) {
                    return Err(Error::Conflict(format!("user {username:?} exists already")));
                }
            }
            Event::UserUpdated { username, .. } | Event::UserDisabled { username } => {
                let user = known(username)?;
                let stays_admin = matches!(
                    &event,
                    Event::UserUpdated {
                        role: Role::Admin,
                        disabled: false,
                        ..
                    }
                );
                let last_admin = user.role == Role::Admin
                    && !user.disabled
                    && !self
                        .users
                        .values()
                        .any(|u| u.username != *username && u.role == Role::Admin && !u.disabled);
                if last_admin && !stays_admin {
                    return Err(Error::Conflict(format!(
                        "{username} is the last active admin; make another admin first"
                    )));
                }
            }
            Event::SignedIn { username, .. } => {
                if known(username)?.disabled {
                    return Err(Error::InvalidRequest(format!("user {username:?} is disabled")));
                }
            }
            Event::TokenCreated { id, name, hash, .. } => {
                check_username(name).map_err(|_| {
                    Error::InvalidRequest(format!(
                        "a token name has 1 to 64 letters, digits, '.', '_', '-' or '@', not {name:?}"
                    ))
                })?;
                if self.tokens.contains_key(id) || self.token_by_hash.contains_key(hash) {
                    return Err(Error::Conflict(format!("token {id} exists already")));
                }
            }
            Event::TokenRevoked { id } | Event::TokenUsed { id } => {
                let token = self
                    .tokens
                    .get(id)
                    .ok_or_else(|| Error::InvalidRequest(format!("no token {id:?}")))?;
                if token.revoked && matches!(event, Event::TokenRevoked { .. }) {
                    return Err(Error::Conflict(format!("token {id} is revoked already")));
                }
            }
            Event::SignInFailed { .. } | Event::SignedOut { .. } => {}
            other => {
                return Err(Error::InvalidRequest(format!(
                    "{} is not a user or token event",
                    other.kind()
                )));
            }
        }
        Ok(event)
    }

    /// Folds a stored event in: auth events change users, tokens and
    /// sessions; every event adds a line to the audit log (its entry made
    /// now; [`Users::apply_shared`] shares the event instead).
    pub fn apply(&mut self, record: &EventRecord) {
        self.audit.push(AuditLine::Entry(AuditEntry::of(record)));
        self.fold(record);
    }

    /// [`Users::apply`] for an event the store keeps shared: the audit line
    /// holds the event, and its entry is made when read.
    pub fn apply_shared(&mut self, record: &std::sync::Arc<EventRecord>) {
        self.audit.push(AuditLine::Event(record.clone()));
        self.fold(record);
    }

    fn fold(&mut self, record: &EventRecord) {
        match &record.event {
            Event::UserCreated {
                username,
                role,
                scope,
                password_hash,
                team,
            } => {
                self.users.insert(
                    username.clone(),
                    User {
                        username: username.clone(),
                        role: *role,
                        scope: scope.clone(),
                        disabled: false,
                        created: record.at,
                        password_hash: password_hash.clone(),
                        team: *team,
                    },
                );
            }
            Event::UserUpdated {
                username,
                role,
                scope,
                disabled,
                password_hash,
                team,
            } => {
                if let Some(user) = self.users.get_mut(username) {
                    user.role = *role;
                    user.scope = scope.clone();
                    user.disabled = *disabled;
                    user.team = *team;
                    if let Some(hash) = password_hash {
                        user.password_hash = hash.clone();
                    }
                }
                if *disabled || password_hash.is_some() {
                    self.end_sessions(username);
                }
            }
            Event::UserDisabled { username } => {
                if let Some(user) = self.users.get_mut(username) {
                    user.disabled = true;
                }
                self.end_sessions(username);
            }
            Event::TokenCreated {
                id,
                name,
                role,
                scope,
                hash,
            } => {
                self.token_by_hash.insert(hash.clone(), id.clone());
                self.tokens.insert(
                    id.clone(),
                    Token {
                        id: id.clone(),
                        name: name.clone(),
                        role: *role,
                        scope: scope.clone(),
                        created_by: record.actor.clone(),
                        created: record.at,
                        last_used: None,
                        revoked: false,
                    },
                );
            }
            Event::TokenRevoked { id } => {
                if let Some(t) = self.tokens.get_mut(id) {
                    t.revoked = true;
                }
            }
            Event::TokenUsed { id } => {
                if let Some(t) = self.tokens.get_mut(id) {
                    t.last_used = Some(record.at);
                }
            }
            Event::SignedIn {
                username,
                session,
                expires,
            } => {
                let at = record.at;
                self.sessions.retain(|_, s| s.expires > at);
                self.sessions.insert(
                    session.clone(),
                    Session {
                        username: username.clone(),
                        expires: *expires,
                    },
                );
            }
            Event::SignedOut { session, .. } => {
                self.sessions.remove(session);
            }
            Event::SignInFailed { username, address, .. } => {
                self.failures.fail(username, address, record.at);
            }
            _ => {}
        }
        if let Event::SignedIn { username, .. } = &record.event {
            self.failures.succeed(username);
        }
    }

    /// How long `user` from `address` must wait before trying to sign in
    /// again at `now`: `None` unless a limit of [`throttle`] is reached.
    pub fn sign_in_wait(&self, user: &str, address: &str, now: DateTime<Utc>) -> Option<std::time::Duration> {
        self.failures.retry_after(user, address, now)
    }

    /// Puts back the audit line of an event whose result is held as data
    /// (a feature change in a snapshot: `store::snapshot`).
    pub(crate) fn restore_audit(&mut self, entry: AuditEntry) {
        self.audit.push(AuditLine::Entry(entry));
    }

    fn end_sessions(&mut self, username: &str) {
        self.sessions.retain(|_, s| s.username != username);
    }
}

#[cfg(test)]
mod tests;
