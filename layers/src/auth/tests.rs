use super::*;
use crate::event::EventRecord;

fn record(seq: u64, actor: &str, event: Event) -> EventRecord {
    EventRecord {
        seq,
        at: Utc::now(),
        actor: actor.into(),
        token: None,
        event,
    }
}

/// Token `tok_1`, "gateway", for sensors, with this hash.
fn gateway_token(hash: &str) -> Event {
    Event::TokenCreated {
        id: "tok_1".into(),
        name: "gateway".into(),
        role: Role::Sensor,
        scope: None,
        hash: hash.into(),
    }
}

fn users_with_a_session() -> Users {
    let mut users = Users::default();
    let created = users
        .check(Event::UserCreated {
            username: "wang".into(),
            role: Role::Dispatcher,
            scope: None,
            password_hash: "$argon2id$x".into(),
            team: None,
        })
        .unwrap();
    users.apply(&record(1, "admin", created));
    users.apply(&record(
        2,
        "wang",
        Event::SignedIn {
            username: "wang".into(),
            session: token::digest("s1"),
            expires: Utc::now() + TimeDelta::hours(1),
        },
    ));
    users
}

#[test]
fn a_signed_in_session_is_found_by_its_hash_until_it_expires() {
    let users = users_with_a_session();
    let (session, user) = users.session(&token::digest("s1"), Utc::now()).unwrap();
    assert_eq!((session.username.as_str(), user.role), ("wang", Role::Dispatcher));
    assert!(users.session("s1", Utc::now()).is_none(), "the id itself is not a key");
    assert!(
        users
            .session(&token::digest("s1"), Utc::now() + TimeDelta::hours(2))
            .is_none()
    );
}

#[test]
fn disabling_a_user_ends_their_sessions_and_refuses_sign_in() {
    let mut users = users_with_a_session();
    users.apply(&record(
        3,
        "admin",
        Event::UserDisabled {
            username: "wang".into(),
        },
    ));
    assert!(users.session(&token::digest("s1"), Utc::now()).is_none());
    assert_eq!(users.session_count(), 0);
    let again = Event::SignedIn {
        username: "wang".into(),
        session: token::digest("s2"),
        expires: Utc::now() + TimeDelta::hours(1),
    };
    assert!(users.check(again).is_err());
}

#[test]
fn a_new_password_ends_sessions_and_signing_out_ends_one() {
    let mut users = users_with_a_session();
    users.apply(&record(
        3,
        "wang",
        Event::SignedOut {
            username: "wang".into(),
            session: token::digest("s1"),
        },
    ));
    assert!(users.session(&token::digest("s1"), Utc::now()).is_none());
    let mut users = users_with_a_session();
    users.apply(&record(
        3,
        "admin",
        Event::UserUpdated {
            username: "wang".into(),
            role: Role::Viewer,
            scope: None,
            disabled: false,
            password_hash: Some("$argon2id$y".into()),
            team: None,
        },
    ));
    assert!(users.session(&token::digest("s1"), Utc::now()).is_none());
    assert_eq!(users.user("wang").unwrap().role, Role::Viewer);
}

#[test]
fn a_revoked_token_is_not_found_and_a_duplicate_user_is_refused() {
    let mut users = users_with_a_session();
    let hash = token::digest("lk_abc");
    users.apply(&record(3, "admin", gateway_token(&hash)));
    assert_eq!(users.token_by_hash(&hash).unwrap().created_by, "admin");
    users.apply(&record(4, "admin", Event::TokenRevoked { id: "tok_1".into() }));
    assert!(users.token_by_hash(&hash).is_none());
    assert!(users.check(Event::TokenRevoked { id: "tok_1".into() }).is_err());
    assert!(
        users
            .check(Event::UserCreated {
                username: "wang".into(),
                role: Role::Viewer,
                scope: None,
                password_hash: String::new(),
                team: None,
            })
            .is_err()
    );
    assert!(
        users
            .check(Event::UserCreated {
                username: "no spaces".into(),
                role: Role::Viewer,
                scope: None,
                password_hash: String::new(),
                team: None,
            })
            .is_err()
    );
    assert_eq!(users.audit().len(), 4);
    assert_eq!(users.audit()[2].entry().detail["token_id"], "tok_1");
    assert!(!serde_json::to_string(users.audit()).unwrap().contains(&hash));
}

#[test]
fn the_role_table_matches_docs_security_md() {
    use Permission as P;
    use Role as R;
    assert!(R::ALL.iter().all(|r| r.allows(P::Read) == (*r != R::Sensor)));
    assert!(R::Viewer.allows(P::Analyse) && !R::Viewer.allows(P::Drill));
    assert!(R::Dispatcher.allows(P::Drill) && R::Commander.allows(P::Respond));
    assert!(!R::Planner.allows(P::Respond));
    assert!(R::Planner.may_edit("roads") && !R::Planner.may_edit("counties"));
    assert!(R::Inspector.may_edit("enterprises") && !R::Inspector.may_edit("roads"));
    assert!(R::Admin.may_edit("counties"));
    assert!(R::Sensor.allows(P::Ingest) && !R::Sensor.allows(P::Read));
    assert_eq!("planner".parse::<Role>().unwrap(), R::Planner);
    assert!("root".parse::<Role>().is_err());
}

#[test]
fn the_last_active_admin_cannot_be_disabled_or_demoted() {
    let mut users = Users::default();
    let admin = |name: &str| Event::UserCreated {
        username: name.into(),
        role: Role::Admin,
        scope: None,
        password_hash: String::new(),
        team: None,
    };
    users.apply(&record(1, "cli", admin("chief")));
    assert!(
        users
            .check(Event::UserDisabled {
                username: "chief".into()
            })
            .is_err()
    );
    let demote = Event::UserUpdated {
        username: "chief".into(),
        role: Role::Viewer,
        scope: None,
        disabled: false,
        password_hash: None,
        team: None,
    };
    assert!(users.check(demote.clone()).is_err());
    users.apply(&record(2, "chief", admin("deputy")));
    assert!(users.check(demote).is_ok());
    assert!(
        users
            .check(Event::UserDisabled {
                username: "chief".into()
            })
            .is_ok()
    );
}

#[test]
fn a_token_ends_when_its_creator_is_no_longer_an_administrator() {
    let mut users = Users::default();
    let admin = |role| Event::UserCreated {
        username: "li".into(),
        role,
        scope: None,
        password_hash: "$argon2id$x".into(),
        team: None,
    };
    users.apply(&record(1, "setup", admin(Role::Admin)));
    let hash = token::digest("lk_gateway");
    users.apply(&record(
        2,
        "li",
        Event::TokenCreated {
            id: "tok_2".into(),
            name: "gateway".into(),
            role: Role::Sensor,
            scope: None,
            hash: hash.clone(),
        },
    ));
    // A token made on the command line has no user behind it.
    let cli = token::digest("lk_cli");
    users.apply(&record(
        3,
        "cli",
        Event::TokenCreated {
            id: "tok_3".into(),
            name: "script".into(),
            role: Role::Viewer,
            scope: None,
            hash: cli.clone(),
        },
    ));
    assert!(users.token_by_hash(&hash).is_some());
    let demoted = Event::UserUpdated {
        username: "li".into(),
        role: Role::Viewer,
        scope: None,
        disabled: false,
        password_hash: None,
        team: None,
    };
    users.apply(&record(4, "setup", demoted));
    assert!(users.token_by_hash(&hash).is_none(), "a viewer's token lives on");
    assert!(users.token_by_hash(&cli).is_some());
}

#[test]
fn an_audit_line_sharing_its_event_reads_as_the_entry_made_at_once() {
    let hash = token::digest("lk_abc");
    let events = [
        Event::UserCreated {
            username: "li".into(),
            role: Role::Dispatcher,
            scope: None,
            password_hash: "$argon2id$secret".into(),
            team: None,
        },
        Event::UserUpdated {
            username: "li".into(),
            role: Role::Commander,
            scope: None,
            disabled: false,
            password_hash: Some("$argon2id$other".into()),
            team: None,
        },
        gateway_token(&hash),
        Event::TokenUsed { id: "tok_1".into() },
        Event::SignedIn {
            username: "li".into(),
            session: token::digest("s1"),
            expires: Utc::now() + TimeDelta::hours(1),
        },
        Event::SignInFailed {
            username: "zhao".into(),
            address: "10.0.0.7".into(),
            reason: "wrong password".into(),
        },
        Event::SignedOut {
            username: "li".into(),
            session: token::digest("s1"),
        },
        Event::NoteAdded {
            incident: 3,
            drill: false,
            text: "road closed".into(),
        },
        Event::FeatureDeleted {
            collection: "shelters".into(),
            id: 9,
        },
        Event::UserDisabled { username: "li".into() },
    ];
    let (mut made, mut shared) = (Users::default(), Users::default());
    for (i, event) in events.into_iter().enumerate() {
        let record = record(i as u64 + 1, "admin", event);
        made.apply(&record);
        shared.apply_shared(&std::sync::Arc::new(record));
    }
    assert_eq!(shared.audit().len(), 10);
    for (a, b) in made.audit().iter().zip(shared.audit()) {
        assert!(matches!(b, AuditLine::Event(_)) && matches!(a, AuditLine::Entry(_)));
        assert_eq!(b.entry(), a.entry());
        assert_eq!(
            (b.seq(), b.at(), b.actor(), b.kind(), b.subject()),
            (a.seq(), a.at(), a.actor(), a.kind(), a.entry().subject())
        );
    }
    let listed = serde_json::to_string(shared.audit()).unwrap();
    assert_eq!(listed, serde_json::to_string(made.audit()).unwrap());
    assert!(!listed.contains(&hash) && !listed.contains("secret"), "never a hash");
    assert_eq!(shared.audit()[5].subject(), Some("zhao"), "the name tried");
    assert_eq!(shared.audit()[8].subject(), None);
}
