//! The bilingual timeline: each event of an incident in English and Chinese.

use crate::event::Event;
use crate::feature::FeatureId;

/// An event in words, English and Chinese, as the incident's log shows it;
/// `team_name` names a team the incident has had.
pub(super) fn summary(event: &Event, team_name: impl Fn(FeatureId) -> String) -> (String, String) {
    match event {
        Event::IncidentOpened { spec, drill, .. } => {
            let drill_en = if *drill { "Drill " } else { "" };
            let drill_zh = if *drill { "【演习】" } else { "" };
            (
                format!("{drill_en}incident opened: {} ({})", spec.title, spec.kind.code()),
                format!("{drill_zh}接报立案：{}（{}）", spec.title, spec.kind.label_zh()),
            )
        }
        Event::IncidentUpdated { changes, .. } => {
            let keys: Vec<&str> = changes.keys().map(String::as_str).collect();
            (
                format!("Updated: {}", keys.join(", ")),
                format!("信息更新：{}", keys.join("、")),
            )
        }
        Event::IncidentClosed { reason, .. } => (format!("Closed: {reason}"), format!("处置结束：{reason}")),
        Event::ZonesComputed { zones, .. } => {
            let people = zones.people().unwrap_or(0);
            (
                format!("{} impact zones drawn, {people} residents inside", zones.zones.len()),
                format!("划定影响区域 {} 个，区内常住人口约 {people} 人", zones.zones.len()),
            )
        }
        Event::UnitDispatched { name, travel_s, .. } => {
            let minutes = travel_s.map(|t| (t / 60.0).round());
            (
                format!(
                    "Dispatched {name}{}",
                    minutes.map(|m| format!(", about {m} min by road")).unwrap_or_default()
                ),
                format!(
                    "调派 {name}{}",
                    minutes.map(|m| format!("，车程约 {m} 分钟")).unwrap_or_default()
                ),
            )
        }
        Event::UnitStatusChanged { team, from, to, .. } => {
            let name = team_name(*team);
            (
                format!("{name}: {} → {}", from.code(), to.code()),
                format!("{name}：{} → {}", from.label_zh(), to.label_zh()),
            )
        }
        Event::IncidentAcknowledged { .. } => ("Acknowledged".into(), "已确认接报".into()),
        Event::NoteAdded { text, .. } => (format!("Note: {text}"), format!("记录：{text}")),
        Event::ValveClosed { valve, .. } => (format!("Gas valve {valve} closed"), format!("燃气阀门 {valve} 已关闭")),
        Event::AlarmLinked { alarm, .. } => (format!("Opened from alarm {alarm}"), format!("由报警 {alarm} 生成")),
        Event::InjectFired { title, title_en, .. } => (
            format!("Inject: {}", title_en.as_deref().unwrap_or(title)),
            format!("演练情景注入：{title}"),
        ),
        Event::HazardRegraded {
            name,
            from_r,
            to_r,
            from_level,
            to_level,
            ..
        } => {
            let level = |l: &Option<u8>| l.map_or("–".to_owned(), |l| l.to_string());
            (
                format!(
                    "{name} regraded (GB 18218): level {} → {}, R {from_r:.2} → {to_r:.2}",
                    level(from_level),
                    level(to_level)
                ),
                format!(
                    "{name} 重新分级（GB 18218）：{} 级 → {} 级，R {from_r:.2} → {to_r:.2}",
                    level(from_level),
                    level(to_level)
                ),
            )
        }
        _ => (event.kind().into(), event.kind().into()),
    }
}
