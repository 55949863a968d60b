//! Drills, replay and the after-action report: scenarios started with their
//! timed injects, the state at any past time, and how a response went.

use crate::command::{open_incident, submit, update_incident};
use crate::error::ApiError;
use crate::extract::{Actor, DrillFilter, Page, Query, ReplayQuery};
use crate::limits::{MAX_INCIDENTS, MAX_SPEED};
use crate::paging;
use crate::scope::RequestScope;
use crate::state::AppState;
use crate::view::{current, detail};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use lookout_layers::ledger::query::DangerFilter;
use lookout_layers::ops::report::{AfterAction, after_action};
use lookout_layers::ops::scenario::Scenario;
use lookout_layers::{Event, FeatureId};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::time::Duration;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    use super::Endpoint;
    r.add(Endpoint::at("/scenarios").get(scenarios))
        .add(Endpoint::at("/scenarios/{id}/start").post(start))
        .add(Endpoint::at("/incidents/{id}/injects/next").post(next_inject))
        .add(Endpoint::at("/incidents/{id}/report").get(report))
        .add(Endpoint::at("/incidents/{id}/report.html").get(report_html))
        .add(Endpoint::at("/replay").get(replay));
}

fn scenario<'a>(state: &'a AppState, id: &str) -> Result<&'a Scenario, ApiError> {
    state.scenarios.iter().find(|s| s.id == id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no scenario {id:?}; scenarios are {}",
            state
                .scenarios
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// `GET /scenarios`
async fn scenarios(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<Json> = state
        .scenarios
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "title_zh": s.title_zh,
                "title_en": s.title_en,
                "summary_zh": s.summary_zh,
                "summary_en": s.summary_en,
                "kind": s.incident.kind,
                "location": s.incident.location,
                "substance": s.incident.substance,
                "injects": s.injects.len(),
                "duration_min": s.duration_min(),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "scenarios": list }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StartBody {
    #[serde(default)]
    speed: Option<f64>,
}

/// Fires inject `index` of the drill's scenario, with the change it brings.
/// Refused (409) if it fired already or the drill is closed.
async fn fire(
    state: &AppState,
    actor: lookout_layers::Author,
    incident: FeatureId,
    index: usize,
) -> Result<(), ApiError> {
    let scenario_id = {
        let ops = state.store.operations();
        let i = ops
            .incident(incident)
            .ok_or_else(|| ApiError::not_found(format!("no incident {incident}")))?;
        i.scenario
            .clone()
            .ok_or_else(|| ApiError::conflict(format!("incident {incident} was not started from a scenario")))?
    };
    let inject = scenario(state, &scenario_id)?
        .injects
        .get(index)
        .cloned()
        .ok_or_else(|| ApiError::conflict(format!("scenario {scenario_id} has no inject {index}")))?;
    let fired = Event::InjectFired {
        incident,
        drill: true,
        index,
        at_min: inject.at_min,
        title: inject.title,
        text: inject.text,
        title_en: inject.title_en,
        text_en: inject.text_en,
    };
    // The inject and the change it brings are one command.
    match inject.update {
        Some(update) => update_incident(state, actor, incident, update, vec![fired]).await?,
        None => drop(submit(state, actor, fired).await?),
    }
    if let Some(ramp) = inject.readings {
        drill_readings(state, incident, index, &ramp).await?;
    }
    Ok(())
}

/// An inject's drill readings: the ramp on the nearest sensor of its kind,
/// taken in as a gateway's would be (`POST /readings`), so the alarm rules
/// judge them (drill alarms). No such sensor near: said in the log, the
/// inject stands.
async fn drill_readings(
    state: &AppState,
    incident: FeatureId,
    index: usize,
    ramp: &lookout_layers::ops::scenario::ReadingsInject,
) -> Result<(), ApiError> {
    let at = {
        let ops = state.store.operations();
        match ops.incident(incident) {
            Some(i) => i.spec.location,
            None => return Ok(()),
        }
    };
    let Some((sensor, high_high)) = ramp.sensor(state.store.catalog(), at) else {
        tracing::warn!(incident, inject = index, kind = %ramp.kind, within_m = ramp.within_m,
            "inject readings: no such sensor near the incident; none sent");
        return Ok(());
    };
    let items: Vec<_> = ramp.items(sensor, high_high, Utc::now()).into_iter().map(Ok).collect();
    let s = state.clone();
    let (report, _) = web::block(move || s.monitor.ingest(&s.store, &s.readings, items, Utc::now()))
        .await
        .map_err(ApiError::internal)??;
    tracing::info!(
        incident,
        inject = index,
        sensor,
        accepted = report.accepted,
        "inject readings sent"
    );
    Ok(())
}

/// Fires the injects at their times (`at_min` scenario minutes, `speed` times
/// faster than real time), skipping any fired by hand; stops when the drill closes.
async fn run_injects(state: AppState, incident: FeatureId, scenario: Scenario, speed: f64) {
    let started = tokio::time::Instant::now();
    for (index, inject) in scenario.injects.iter().enumerate() {
        let due = started + Duration::from_secs_f64(inject.at_min * 60.0 / speed);
        tokio::time::sleep_until(due).await;
        let fired = {
            let ops = state.store.operations();
            match ops.incident(incident) {
                Some(i) if i.is_open() => i.injects.iter().any(|x| x.index == index),
                _ => return,
            }
        };
        if fired {
            continue;
        }
        if let Err(e) = fire(&state, "exercise-control".into(), incident, index).await {
            tracing::warn!(incident, index, error = %e, "inject did not fire");
        }
    }
}

/// `POST /scenarios/{id}/start {"speed": 60}`: opens the drill and starts its clock.
async fn start(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scenario = scenario(&state, &path)?.clone();
    scope.check_point(scenario.incident.centre(), "the scenario's incident")?;
    let body: StartBody = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("request body: {e}")))?
    };
    let speed = body.speed.unwrap_or(1.0);
    if !(speed.is_finite() && (1.0..=MAX_SPEED).contains(&speed)) {
        return Err(ApiError::bad_request(format!(
            "speed is how many times faster than real time the drill clock runs, from 1 to {MAX_SPEED}"
        )));
    }
    let mut spec = scenario.incident.clone();
    if spec.title.is_empty() {
        spec.title = scenario.title_zh.clone();
    }
    let id = open_incident(&state, actor.into_inner(), spec, true, Some(scenario.id.clone())).await?;
    actix_web::rt::spawn(run_injects(state.get_ref().clone(), id, scenario, speed));
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/incidents/{id}")))
        .json(current(&state, id)?))
}

/// `POST /incidents/{id}/injects/next`: exercise control fires the next inject now.
async fn next_inject(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: FeatureId = path
        .parse()
        .map_err(|_| ApiError::not_found(format!("no incident {:?}", path.as_str())))?;
    let (scenario_id, fired) = {
        let ops = state.store.operations();
        let i = ops
            .incident(id)
            .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
        if !scope.sees_point(i.spec.centre()) {
            return Err(crate::scope::out_of_scope(format!(
                "incident {id} is outside your scope"
            )));
        }
        let s = i
            .scenario
            .clone()
            .ok_or_else(|| ApiError::conflict(format!("incident {id} was not started from a scenario")))?;
        (s, i.injects.iter().map(|x| x.index).collect::<Vec<_>>())
    };
    let total = scenario(&state, &scenario_id)?.injects.len();
    let next = (0..total)
        .find(|n| !fired.contains(n))
        .ok_or_else(|| ApiError::conflict(format!("every inject of {scenario_id} has fired")))?;
    fire(&state, actor.into_inner(), id, next).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// The after-action report; 404 for an incident outside the caller's scope.
fn report_of(state: &AppState, scope: &RequestScope, path: &str) -> Result<AfterAction, ApiError> {
    let id: FeatureId = path
        .parse()
        .map_err(|_| ApiError::not_found(format!("no incident {path:?}")))?;
    let ops = state.store.operations();
    let incident = ops
        .incident(id)
        .filter(|i| scope.sees_point(i.spec.centre()))
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
    let mut report = after_action(incident, Utc::now());
    if incident.gas_network {
        // the isolation as it stands, with the closures against it (docs/gas-isolation.md)
        let catalog = state.store.catalog();
        let isolation = lookout_layers::gas::incident_isolation(
            catalog,
            &state.gas.graph(catalog),
            Some(&state.roads.graph(catalog)),
            incident.spec.location,
            &incident.valves_closed,
        );
        report.gas = Some(lookout_layers::gas::report_summary(incident, &isolation));
    }
    Ok(report)
}

/// `GET /incidents/{id}/report`
async fn report(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(report_of(&state, &scope, &path)?))
}

/// `GET /incidents/{id}/report.html`
async fn report_html(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let r = report_of(&state, &scope, &path)?;
    let lang = query.into_inner().lang.unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(render_report(&r, lang)))
}

/// `GET /replay?at=RFC3339&drill=false|true|all&limit=&offset=`: the state as
/// it was at `at`; the incidents paged (newest first, up to 1,000 a page),
/// the units' statuses and the alarms active then.
/// A scoped caller sees the incidents in scope, and the units of teams in scope.
async fn replay(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: RequestScope,
    query: Query<ReplayQuery>,
) -> Result<HttpResponse, ApiError> {
    let drill = query.drill.unwrap_or(DrillFilter::Real);
    let at = query.at()?;
    let page = Page::new(query.limit, query.offset, MAX_INCIDENTS, MAX_INCIDENTS)?;
    let ops = state.store.operations();
    let past = ops.replay(at);
    drop(ops);
    let (incidents, matched) = paging::slice(
        past.incidents()
            .rev()
            .filter(|i| drill.admits(i.drill) && scope.sees_point(i.spec.centre())),
        page,
    );
    let incidents: Vec<Json> = incidents.into_iter().map(detail).collect();
    let mut body = paging::envelope(matched, incidents.len(), page, &req);
    let mut units = Map::new();
    for world in [false, true] {
        if drill.admits(world) {
            for (team, u) in past.units(world) {
                if !scope.sees_feature(state.store.catalog(), "rescue_teams", *team) {
                    continue;
                }
                units.insert(
                    team.to_string(),
                    json!({"status": u.status, "incident": u.incident, "drill": world}),
                );
            }
        }
    }
    // The alarms active then (sensors' and the ledger's), in scope, real or
    // drill as the filter says, most serious and newest first.
    let mut alarms: Vec<_> = past
        .alarms()
        .filter(|a| a.is_active() && drill.admits(a.drill) && scope.sees_point(a.location.into()))
        .collect();
    alarms.sort_by(|a, b| b.colour.cmp(&a.colour).then(b.raised_at.cmp(&a.raised_at)));
    body.insert("alarms".into(), json!(alarms));
    // The ledger as it was then: the enterprises with open dangers (overdue
    // as of `at`) and the counts, in scope.
    let ledger_filter = DangerFilter {
        scope: scope.get().map(|s| s.county_ids().to_vec()),
        open: Some(true),
        ..DangerFilter::default()
    };
    let ledger_then = past.ledger();
    body.insert(
        "dangers".into(),
        lookout_layers::ledger::query::to_geojson(&ledger_then.by_enterprise(&ledger_filter, at)),
    );
    body.insert(
        "danger_counts".into(),
        json!(ledger_then.list(&ledger_filter, at, 0, 0).counts),
    );
    body.insert("at".into(), json!(at));
    body.insert("last_seq".into(), json!(past.log().last().map_or(0, |r| r.seq)));
    body.insert("incidents".into(), Json::Array(incidents));
    body.insert("units".into(), Json::Object(units));
    Ok(HttpResponse::Ok().json(body))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn mmss(s: Option<f64>) -> String {
    match s {
        None => "—".into(),
        Some(s) => {
            let s = s.max(0.0).round() as u64;
            format!("{}:{:02}", s / 60, s % 60)
        }
    }
}

/// The language of the printable report (`?lang=zh|en`, default zh).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportLang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

/// `GET /incidents/{id}/report.html` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `zh` (default) or `en`: the labels, terms and notes of the page.
    pub lang: Option<ReportLang>,
}

impl ReportLang {
    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    /// A code as a term: the enum's Chinese label, or its words in English
    /// ("on_scene" → "On scene"); an unknown code as it is.
    fn term(self, code: &str, zh: Option<&'static str>) -> String {
        match (self, zh) {
            (Self::Zh, Some(zh)) => zh.to_owned(),
            _ => {
                let words = code.replace('_', " ");
                let mut chars = words.chars();
                chars
                    .next()
                    .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            }
        }
    }

    /// A time as the bureau reads it: China Standard Time (UTC+8, no
    /// daylight saving), with the zone said.
    fn time(self, t: chrono::DateTime<Utc>) -> String {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        let local = t.with_timezone(&cst).format("%Y-%m-%d %H:%M:%S");
        match self {
            Self::Zh => format!("{local}（北京时间 UTC+8）"),
            Self::En => format!("{local} (China Standard Time, UTC+8)"),
        }
    }
}

fn code_label<T: Copy + PartialEq>(
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    c: &str,
) -> Option<&'static str> {
    all.iter().copied().find(|v| code(*v) == c).map(zh)
}

/// A gas leak's isolation and its valve closures (who, when), for the printable report.
fn render_gas(r: &AfterAction, lang: ReportLang) -> String {
    let l = |zh, en| lang.pick(zh, en);
    let Some(g) = &r.gas else {
        return String::new();
    };
    let mut out = format!("<h3>{}</h3>\n", l("燃气关阀隔离", "Gas valve isolation"));
    if let Some(why) = &g.unavailable {
        out.push_str(&format!(
            "<p>{}: {}</p>\n",
            l("无法分析", "No isolation trace"),
            escape(why)
        ));
    } else {
        let status = if g.section_isolated {
            match lang {
                ReportLang::Zh => format!("管段已隔离（接报后 {}）", mmss(g.isolated_s)),
                ReportLang::En => format!("Section isolated ({} after opening)", mmss(g.isolated_s)),
            }
        } else {
            l("未隔离", "Not isolated yet").to_owned()
        };
        let (pipes, stations, of_which) = match lang {
            ReportLang::Zh => ("条管段", "座场站", "其中重大危险源"),
            ReportLang::En => ("pipes", "stations", "major hazard sources"),
        };
        out.push_str(&format!(
            "<dl>\n<dt>{l_network}</dt><dd>{network}</dd>\n<dt>{l_status}</dt><dd>{status}</dd>\n\
<dt>{l_closed}</dt><dd>{closed} / {to_close}</dd>\n\
<dt>{l_section}</dt><dd>{sp} {pipes}, {sl:.0} m, {sv:.1} m³</dd>\n\
<dt>{l_outage}</dt><dd>{op} {pipes} ({ol:.0} m), {os} {stations}</dd>\n\
<dt>{l_pop}</dt><dd>{pop}</dd>\n\
<dt>{l_ent}</dt><dd>{ent} ({of_which}: {haz})</dd>\n</dl>\n",
            l_network = l("管网", "Network"),
            l_status = l("状态", "Status"),
            l_closed = l("已关阀门", "Valves closed"),
            l_section = l("隔离管段", "Isolated section"),
            l_outage = l("停气范围", "Loses supply"),
            l_pop = l("停气人口", "Residents losing gas"),
            l_ent = l("停气企业", "Enterprises losing gas"),
            network = escape(&g.network),
            closed = g.valves_closed,
            to_close = g.valves_to_close,
            sp = g.section_pipes,
            sl = g.section_length_m,
            sv = g.section_volume_m3,
            op = g.outage_pipes,
            ol = g.outage_length_m,
            os = g.outage_stations,
            pop = g.outage_population,
            ent = g.outage_enterprises,
            haz = g.outage_hazard_sources,
        ));
    }
    out.push_str(&format!(
        "<table class=\"valves\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        l("阀门", "Valve"),
        l("关闭人", "Closed by"),
        l("时间", "At"),
        l("接报后（分:秒）", "After opening (min:s)")
    ));
    for v in &r.valves_closed {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            v.valve,
            escape(&v.actor),
            lang.time(v.at),
            mmss(Some(v.at_s))
        ));
    }
    out.push_str("</table>\n");
    out
}

/// The report as a printable page, in `lang`: labels and terms in that
/// language, times in China Standard Time with the zone said.
fn render_report(r: &AfterAction, lang: ReportLang) -> String {
    use lookout_layers::model::{IncidentKind, RescueKind, TeamStatus};
    let l = |zh, en| lang.pick(zh, en);
    let mut teams = String::new();
    for t in &r.teams {
        teams.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            escape(&lang.term(
                &t.kind,
                code_label(RescueKind::ALL, RescueKind::code, RescueKind::label_zh, &t.kind)
            )),
            mmss(Some(t.dispatched_s)),
            mmss(t.en_route_s),
            mmss(t.on_scene_s),
            mmss(t.response_s),
            mmss(t.travel_estimate_s),
            escape(&lang.term(
                &t.status,
                code_label(TeamStatus::ALL, TeamStatus::code, TeamStatus::label_zh, &t.status)
            ))
        ));
    }
    let mut zones = String::new();
    for z in &r.zones {
        zones.push_str(&format!(
            "<tr><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
            escape(lang.pick(&z.label_zh, &z.label_en)),
            z.area_km2,
            z.population
        ));
    }
    let mut injects = String::new();
    for i in &r.injects {
        let title = match lang {
            ReportLang::En => i.title_en.as_deref().unwrap_or(&i.title),
            ReportLang::Zh => &i.title,
        };
        injects.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            i.at_min,
            mmss(Some(i.fired_s)),
            escape(title)
        ));
    }
    let gas = render_gas(r, lang);
    let banner = if r.drill {
        format!(
            "<p class=\"drill\">{}</p>",
            l(
                "演习 — 本报告为演练评估，不是真实事件",
                "DRILL — an exercise, not a real incident"
            )
        )
    } else {
        String::new()
    };
    let after = |s: Option<f64>| match lang {
        ReportLang::Zh => format!("接报后 {}", mmss(s)),
        ReportLang::En => format!("{} after opening", mmss(s)),
    };
    let domino = match lang {
        ReportLang::Zh => format!("影响区内重大危险源及燃气干管 {} 处", r.domino),
        ReportLang::En => format!("{} hazard sources / gas mains inside the zones", r.domino),
    };
    let record = match lang {
        ReportLang::Zh => format!("事件 {} 条，记录 {} 条", r.events, r.notes),
        ReportLang::En => format!("{} events, {} notes", r.events, r.notes),
    };
    let drawn = match lang {
        ReportLang::Zh => format!("{} 次", r.zones_drawn),
        ReportLang::En => format!("{} times", r.zones_drawn),
    };
    format!(
        r#"<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{l_title} · {title}</title>
<style>
body {{ font: 16px/1.5 system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em auto; max-width: 60em; color: #111; }}
h1 {{ font-size: 1.6em; }} table {{ border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }}
th, td {{ border: 1px solid #999; padding: .3em .6em; text-align: left; }} th {{ background: #eee; }}
.drill {{ background: repeating-linear-gradient(45deg,#b91c1c,#b91c1c 12px,#facc15 12px,#facc15 24px); color: #fff; font-weight: 700; padding: .6em; text-shadow: 0 0 3px #000; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }} dt {{ font-weight: 600; }}
</style></head><body>
{banner}
<h1>{l_title}</h1>
<h2>#{id} {title}</h2>
<dl>
<dt>{l_kind}</dt><dd>{kind}</dd>
<dt>{l_scenario}</dt><dd>{scenario}</dd>
<dt>{l_opened}</dt><dd>{opened}</dd>
<dt>{l_closed}</dt><dd>{closed}</dd>
<dt>{l_duration}</dt><dd>{duration}</dd>
<dt>{l_first_dispatch}</dt><dd>{first_dispatch}</dd>
<dt>{l_first_on_scene}</dt><dd>{first_on_scene}</dd>
<dt>{l_people}</dt><dd>{people}</dd>
<dt>{l_domino}</dt><dd>{domino}</dd>
<dt>{l_zones_drawn}</dt><dd>{drawn}</dd>
<dt>{l_record}</dt><dd>{record}</dd>
</dl>
<h3>{l_teams}</h3>
<table><tr><th>{l_team}</th><th>{l_kind}</th><th>{l_dispatched}</th><th>{l_en_route}</th><th>{l_on_scene}</th><th>{l_response}</th><th>{l_estimate}</th><th>{l_status}</th></tr>{teams}</table>
<h3>{l_zones}</h3>
<table><tr><th>{l_zone}</th><th>{l_area}</th><th>{l_residents}</th></tr>{zones}</table>
<h3>{l_injects}</h3>
<table><tr><th>{l_planned}</th><th>{l_fired}</th><th>{l_inject}</th></tr>{injects}</table>
{gas}<p>{l_footer}</p>
</body></html>"#,
        html_lang = l("zh-CN", "en"),
        l_title = l("事后评估报告", "After-action report"),
        l_kind = l("类型", "Kind"),
        l_scenario = l("情景", "Scenario"),
        l_opened = l("接报", "Opened"),
        l_closed = l("结束", "Closed"),
        l_duration = l("历时（分:秒）", "Duration (min:s)"),
        l_first_dispatch = l("首次调派", "First dispatch"),
        l_first_on_scene = l("首支到场", "First on scene"),
        l_people = l("影响区内人口", "People in zones"),
        l_domino = l("多米诺风险", "Domino check"),
        l_zones_drawn = l("影响区绘制", "Zones drawn"),
        l_record = l("记录", "Record"),
        l_teams = l("救援队伍（接报后 分:秒）", "Teams (min:s from opening)"),
        l_team = l("队伍", "Team"),
        l_dispatched = l("调派", "Dispatched"),
        l_en_route = l("出发", "En route"),
        l_on_scene = l("到场", "On scene"),
        l_response = l("响应（调派→到场）", "Dispatch → scene"),
        l_estimate = l("预计车程", "Estimate"),
        l_status = l("状态", "Status"),
        l_zones = l("影响区域", "Zones"),
        l_zone = l("区域", "Zone"),
        l_area = l("面积（平方公里）", "Area (km²)"),
        l_residents = l("人口", "Residents"),
        l_injects = l("情景注入", "Injects"),
        l_planned = l("计划（分钟）", "Scenario min"),
        l_fired = l("实际（分:秒）", "Fired (min:s)"),
        l_inject = l("内容", "Inject"),
        l_footer = l(
            "本报告由 Lookout 根据事件记录生成。除县级行政区划边界外，数据均为虚构。",
            "Generated by Lookout from the event record. Data is fictional except county boundaries."
        ),
        id = r.incident,
        title = escape(&r.title),
        kind = escape(&lang.term(
            &r.kind,
            code_label(IncidentKind::ALL, IncidentKind::code, IncidentKind::label_zh, &r.kind)
        )),
        scenario = escape(r.scenario.as_deref().unwrap_or("—")),
        opened = lang.time(r.opened_at),
        closed = r
            .closed_at
            .map_or_else(|| l("处置中", "open").to_owned(), |t| lang.time(t)),
        duration = mmss(Some(r.duration_s)),
        first_dispatch = after(r.first_dispatch_s),
        first_on_scene = after(r.first_on_scene_s),
        people = r.people_in_zones.map_or_else(|| "—".into(), |p| p.to_string()),
        domino = domino,
        drawn = drawn,
        record = record,
    )
}
