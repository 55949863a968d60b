//! `lookout user add|passwd|disable|list` and `lookout token
//! create|revoke|list`: users and tokens changed from the command line, as
//! events signed `cli` (see [`lookout_layers::store::offline`]). With
//! `--store postgres://…` they go to PostGIS and running replicas follow
//! them; on the embedded store they are appended to the journal, which is
//! refused while `lookout serve` holds the state folder. Passwords come
//! from a prompt or the first line of stdin (`--password-stdin`), never the
//! command line.

use crate::cli::{TokenCommand, UserCommand, UserStoreArgs};
use anyhow::{Context, bail};
use lookout_layers::auth::{Role, password, token};
use lookout_layers::scope::ScopeSpec;
use lookout_layers::store::offline::UserStore;
use lookout_layers::{Author, Event};
use std::io::BufRead;

/// Who the command line signs its events as.
pub const CLI_ACTOR: &str = "cli";

/// Where the journal of the built-in region's embedded store is (another
/// region's: [`lookout_layers::store::EmbeddedOptions::journal_dir`]).
pub fn journal_path(state_dir: &std::path::Path, seed: u64, scale: u32) -> std::path::PathBuf {
    lookout_layers::store::journal_dir(state_dir, lookout_layers::region::BUILTIN_ID, seed, scale).join("journal.lkj")
}

fn open(at: &UserStoreArgs) -> anyhow::Result<UserStore> {
    match at.store.as_deref().filter(|s| !s.is_empty()) {
        Some(url) => UserStore::postgis(url).context("opening the PostGIS store"),
        None => {
            let data_dir = crate::cli::or_home(&at.data_dir, "data");
            let options = crate::embedded_options(
                &data_dir,
                &crate::cli::or_home(&at.state_dir, "state"),
                at.seed,
                at.scale,
                crate::region(at.region.as_deref(), &data_dir)?,
            );
            // The dataset's whole identity (region, imported roads): a journal is opened only for its own.
            let identity = options.identity()?;
            let path = options.journal_dir().join("journal.lkj");
            UserStore::journal(&path, identity).with_context(|| format!("opening {}", path.display()))
        }
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let clear = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("password: ").context("reading the password")?;
        let again = rpassword::prompt_password("again: ").context("reading the password")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    };
    password::check_strength(&clear)?;
    Ok(clear)
}

fn cli() -> Author {
    Author::from(CLI_ACTOR)
}

/// Runs `lookout user …`.
pub fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            counties,
            cities,
            password_stdin,
            at,
        } => {
            let role: Role = role.parse()?;
            lookout_layers::auth::check_username(&username)?;
            let mut store = open(&at)?;
            if store.users()?.user(&username).is_some() {
                bail!("user {username:?} exists already (lookout user passwd to change the password)");
            }
            let scope = (!counties.is_empty() || !cities.is_empty()).then_some(ScopeSpec { cities, counties });
            let hash = password::hash(&read_password(password_stdin)?)?;
            let event = Event::UserCreated {
                username: username.clone(),
                role,
                scope,
                password_hash: hash,
                team: None,
            };
            let record = store.submit(&cli(), event)?;
            println!("added {username} ({role}), event {}", record.seq);
        }
        UserCommand::Passwd {
            username,
            password_stdin,
            at,
        } => {
            let mut store = open(&at)?;
            let users = store.users()?;
            let Some(user) = users.user(&username) else {
                bail!("no user {username:?}");
            };
            let hash = password::hash(&read_password(password_stdin)?)?;
            let event = Event::UserUpdated {
                username: username.clone(),
                role: user.role,
                scope: user.scope.clone(),
                disabled: user.disabled,
                password_hash: Some(hash),
                team: user.team,
            };
            let record = store.submit(&cli(), event)?;
            println!(
                "password of {username} changed (their sessions end), event {}",
                record.seq
            );
        }
        UserCommand::Disable { username, at } => {
            let mut store = open(&at)?;
            let record = store.submit(
                &cli(),
                Event::UserDisabled {
                    username: username.clone(),
                },
            )?;
            println!("disabled {username} (their sessions end), event {}", record.seq);
        }
        UserCommand::List { at } => {
            let users = open(&at)?.users()?;
            for u in users.users() {
                let scope = u
                    .scope
                    .as_ref()
                    .map_or_else(|| "whole region".to_owned(), |s| format!("{s:?}"));
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{state}\t{scope}", u.username, u.role);
            }
        }
    }
    Ok(())
}

/// Runs `lookout token …`.
pub fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { name, role, user, at } => {
            let role: Role = role.parse()?;
            let mut store = open(&at)?;
            let secret = token::new_token();
            let id = token::new_id();
            let event = Event::TokenCreated {
                id: id.clone(),
                name: name.clone(),
                role,
                scope: None,
                hash: token::digest(&secret),
            };
            store.submit(&Author::from(user.as_str()), event)?;
            eprintln!("token {id} ({name}, {role}) created; it is shown once, keep it safe:");
            println!("{secret}");
        }
        TokenCommand::Revoke { id, at } => {
            let record = open(&at)?.submit(&cli(), Event::TokenRevoked { id: id.clone() })?;
            println!("revoked {id}, event {}", record.seq);
        }
        TokenCommand::List { at } => {
            let users = open(&at)?.users()?;
            for t in users.tokens() {
                let state = if t.revoked { "revoked" } else { "active" };
                let used = t
                    .last_used
                    .map_or_else(|| "never used".to_owned(), |u| format!("used {u}"));
                println!("{}\t{}\t{}\t{state}\t{used}", t.id, t.name, t.role);
            }
        }
    }
    Ok(())
}
