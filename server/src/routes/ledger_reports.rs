//! The ledger's monthly statistics (`docs/ledger.md`, "Statistics"): a
//! JSON answer for dashboards and a printable HTML report in the UI's
//! language, read from the ledger as it was at the month's end.

use crate::error::ApiError;
use crate::extract::Query;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use lookout_layers::ledger::stats::{self, AreaStats, MonthStats, StatsFilter};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/ledger/stats").get(stats_json))
        .add(super::Endpoint::at("/ledger/report").get(report_html));
}

/// `GET /ledger/stats` and `/ledger/report` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `YYYY-MM` (China Standard Time); default this month.
    pub month: Option<String>,
    /// City names, comma-separated.
    pub city: Option<String>,
    /// County names or ids, comma-separated.
    pub county: Option<String>,
    /// `zh` (default) or `en`, for the report.
    pub lang: Option<String>,
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

fn split(v: Option<&str>) -> Vec<String> {
    v.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The month asked for: its label, its bounds in UTC and the start of its year.
struct Month {
    label: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    year_start: DateTime<Utc>,
}

fn cst_day(y: i32, m: u32) -> Option<DateTime<Utc>> {
    cst()
        .with_ymd_and_hms(y, m, 1, 0, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn month(q: Option<&str>, now: DateTime<Utc>) -> Result<Month, ApiError> {
    let (y, m) = match q {
        None => {
            let n = now.with_timezone(&cst());
            (n.year(), n.month())
        }
        Some(s) => {
            let d = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
                .map_err(|_| ApiError::bad_request(format!("month is YYYY-MM, not {s:?}")))?;
            (d.year(), d.month())
        }
    };
    if !(2000..=2100).contains(&y) {
        return Err(ApiError::bad_request(format!("month's year is 2000..=2100, not {y}")));
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    match (cst_day(y, m), cst_day(ny, nm), cst_day(y, 1)) {
        (Some(from), Some(to), Some(year_start)) => Ok(Month {
            label: format!("{y:04}-{m:02}"),
            from,
            to,
            year_start,
        }),
        _ => Err(ApiError::bad_request("no such month")),
    }
}

fn compute(
    state: &AppState,
    q: &StatsQuery,
    scope: &RequestScope,
) -> Result<(Month, DateTime<Utc>, MonthStats), ApiError> {
    let now = Utc::now();
    let m = month(q.month.as_deref(), now)?;
    if m.from > now {
        return Err(ApiError::bad_request(format!("{} has not begun", m.label)));
    }
    let filter = StatsFilter {
        cities: split(q.city.as_deref()),
        counties: split(q.county.as_deref()),
        scope: scope.get().map(|s| s.county_ids().to_vec()),
    };
    // The ledger as it was at the month's end (or now, for this month).
    let end = m.to.min(now);
    let ops = state.store.operations();
    let out = if end >= now {
        stats::month(ops.ledger(), &filter, m.from, m.to, end, m.year_start)
    } else {
        let past = ops.replay(end);
        drop(ops);
        stats::month(past.ledger(), &filter, m.from, m.to, end, m.year_start)
    };
    Ok((m, end, out))
}

/// The month's inspections and enforcement cases in the asked area, by
/// their dates in China Standard Time.
fn inspections(state: &AppState, q: &StatsQuery, scope: &RequestScope, m: &Month) -> stats::InspectionMonth {
    let filter = StatsFilter {
        cities: split(q.city.as_deref()),
        counties: split(q.county.as_deref()),
        scope: scope.get().map(|s| s.county_ids().to_vec()),
    };
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let day = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&cst).date_naive();
    stats::inspections_month(state.store.operations().inspections(), &filter, day(m.from), day(m.to))
}

/// `GET /ledger/stats?month=YYYY-MM&city=&county=`: the month's figures per
/// county and the total, and the month's inspections and enforcement.
async fn stats_json(
    state: web::Data<AppState>,
    q: Query<StatsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (m, end, s) = compute(&state, &q, &scope)?;
    let inspections = inspections(&state, &q, &scope, &m);
    Ok(HttpResponse::Ok().json(json!({
        "month": m.label,
        "from": m.from,
        "to": m.to,
        "as_of": end,
        "counties": s.counties,
        "total": s.total,
        // Inspections and enforcement cases held in the month (docs/ledger.md "Inspections").
        "inspections": inspections,
    })))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1} %", r * 100.0))
}

/// `GET /ledger/report?month=&lang=zh|en`: the month's statistics as a
/// printable page, times in China Standard Time, labels in `lang`.
async fn report_html(
    state: web::Data<AppState>,
    q: Query<StatsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let en = match q.lang.as_deref().unwrap_or("zh") {
        "zh" => false,
        "en" => true,
        other => return Err(ApiError::bad_request(format!("lang is zh or en, not {other:?}"))),
    };
    let (m, end, s) = compute(&state, &q, &scope)?;
    let t = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let mut html = String::new();
    let title = format!(
        "{} {}",
        t("隐患排查治理月报", "Supervision ledger, monthly report"),
        m.label
    );
    html.push_str(&format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}th,td{{border:1px solid #999;padding:4px 8px;text-align:right}}th:first-child,td:first-child,td:nth-child(2){{text-align:left}}tfoot td{{font-weight:bold}}.note{{color:#555;font-size:90%}}</style></head><body>",
        if en { "en" } else { "zh-CN" },
        escape(&title)
    ));
    html.push_str(&format!("<h1>{}</h1>", escape(&title)));
    html.push_str(&format!(
        "<p>{} {} – {} ({}) · {} {}</p>",
        t("统计期", "Period"),
        m.from.with_timezone(&cst()).format("%Y-%m-%d %H:%M"),
        m.to.with_timezone(&cst()).format("%Y-%m-%d %H:%M"),
        t("北京时间", "China Standard Time"),
        t("截至", "as of"),
        end.with_timezone(&cst()).format("%Y-%m-%d %H:%M"),
    ));
    let heads = [
        t("市", "City"),
        t("县（区）", "County"),
        t("新发现隐患", "Dangers found"),
        t("其中重大", "of them major"),
        t("销号", "Closed"),
        t("销号率", "Closure rate"),
        t("逾期未整改", "Overdue"),
        t("在册重大隐患", "Major open"),
        t("应急预案", "Plans"),
        t("预案逾期未评估", "Plans overdue"),
        t("演练计划", "Drills planned"),
        t("已演练", "Held"),
        t("演练完成率", "Drill completion"),
        t("复评逾期", "Re-assessments overdue"),
    ];
    html.push_str("<table><thead><tr>");
    for h in heads {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr></thead><tbody>");
    let row = |a: &AreaStats, city: &str, county: &str| {
        format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(city),
            escape(county),
            a.found,
            a.major_found,
            a.rectified,
            pct(a.closure_rate),
            a.overdue,
            a.major_open,
            a.plans,
            a.plans_overdue,
            a.drills_planned,
            a.drills_held,
            pct(a.drill_rate),
            a.reassessments_overdue
        )
    };
    for a in &s.counties {
        html.push_str(&row(a, &a.city, &a.county));
    }
    html.push_str("</tbody><tfoot>");
    html.push_str(&row(&s.total, t("合计", "Total"), ""));
    html.push_str("</tfoot></table>");
    let i = inspections(&state, &q, &scope, &m);
    let kind = |code: &str| i.by_kind.get(code).copied().unwrap_or(0);
    html.push_str(&format!(
        "<h2>{}</h2><table><tbody><tr><td>{}</td><td>{}</td></tr><tr><td>{}</td><td>{} / {} / {} / {}</td></tr>\
<tr><td>{}</td><td>{}</td></tr><tr><td>{}</td><td>{}</td></tr><tr><td>{}</td><td>{}</td></tr><tr><td>{}</td><td>{:.0}</td></tr></tbody></table>",
        t("监督检查与执法", "Inspections and enforcement"),
        t("检查次数", "Inspections"),
        i.inspections,
        t("日常 / 执法 / 暗访暗查 / 专家会诊", "Routine / enforcement / unannounced / expert consultation"),
        kind("routine"),
        kind("enforcement"),
        kind("unannounced"),
        kind("expert_consultation"),
        t("发现隐患", "Dangers found"),
        i.dangers_found,
        t("责令整改", "Orders to rectify"),
        i.orders_to_rectify,
        t("立案", "Cases filed"),
        i.cases_filed,
        t("罚款（元）", "Penalties (yuan)"),
        i.penalties_yuan,
    ));
    html.push_str(&format!(
        "<p class=\"note\">{}</p><p class=\"note\">{}</p></body></html>",
        t(
            "销号率：截至期末已发现隐患中已销号的比例；演练完成率：自当年1月1日至期末计划的演练中已完成的比例。监督检查按检查日期（北京时间）计入当月。",
            "Closure rate: of the dangers found by the period's end, the share closed. Drill completion: of the drills planned from 1 January to the period's end, the share held. Inspections count in the month of their date (China Standard Time)."
        ),
        t("数据为生成的虚构数据时，仅供演示。", "Where the data is generated, it is fictional, for demonstration only."),
    ));
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}
