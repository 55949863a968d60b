//! Alarms (报警): the rule a reading broke and the four-colour grade of the
//! warning, taking the hazard source's GB 18218 level into account
//! (`docs/monitoring.md`, "Grading").

use super::{HazardLevel, code_enum};

code_enum! {
    /// The four warning colours, red the most serious.
    AlarmColour {
        /// 蓝色
        Blue = "blue" / "蓝色",
        /// 黄色
        Yellow = "yellow" / "黄色",
        /// 橙色
        Orange = "orange" / "橙色",
        /// 红色
        Red = "red" / "红色",
    }
}

code_enum! {
    /// The rule a sensor's readings broke.
    AlarmRule {
        /// Above the first level (high).
        High = "high" / "高报",
        /// Above the second level (high-high).
        HighHigh = "high_high" / "高高报",
        /// Below the low threshold (pressure lost, a tank emptying).
        Low = "low" / "低报",
        /// Rising faster than the sensor's `rise_per_min`.
        Rate = "rate" / "变化过快",
        /// No reading for longer than the sensor's stale time.
        Stale = "stale" / "数据中断",
        /// A hidden danger's rectification deadline passed (`docs/ledger.md`).
        Overdue = "overdue" / "逾期未整改",
    }
}

/// Minutes an unacknowledged red alarm waits before it is escalated.
pub const ESCALATE_RED_AFTER_MIN: i64 = 5;

/// Readings in a row that must break (or keep) a rule before an alarm is
/// raised (or cleared): one stray reading neither raises nor clears.
pub const DEBOUNCE_READINGS: u32 = 2;

/// The colour of an alarm: the rule broken, one step more serious at a
/// level 1 or 2 (一级, 二级) major hazard source.
///
/// | rule | level 1–2 | level 3–4, or no hazard source |
/// |---|---|---|
/// | high-high | red | orange |
/// | high | orange | yellow |
/// | low, rate of change | orange | yellow |
/// | stale | blue | blue |
pub fn grade(rule: AlarmRule, level: Option<HazardLevel>) -> AlarmColour {
    let severe_site = matches!(level, Some(1 | 2));
    match (rule, severe_site) {
        (AlarmRule::HighHigh, true) => AlarmColour::Red,
        (AlarmRule::HighHigh, false) | (AlarmRule::High | AlarmRule::Low | AlarmRule::Rate, true) => {
            AlarmColour::Orange
        }
        (AlarmRule::High | AlarmRule::Low | AlarmRule::Rate, false) => AlarmColour::Yellow,
        (AlarmRule::Stale, _) => AlarmColour::Blue,
        // Graded by the danger's severity instead (crate::ledger::overdue_colour).
        (AlarmRule::Overdue, _) => AlarmColour::Orange,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_level_alarm_at_a_level_one_hazard_source_is_red_and_elsewhere_orange() {
        assert_eq!(grade(AlarmRule::HighHigh, Some(1)), AlarmColour::Red);
        assert_eq!(grade(AlarmRule::HighHigh, Some(2)), AlarmColour::Red);
        assert_eq!(grade(AlarmRule::HighHigh, Some(3)), AlarmColour::Orange);
        assert_eq!(grade(AlarmRule::HighHigh, None), AlarmColour::Orange);
        assert_eq!(grade(AlarmRule::High, Some(1)), AlarmColour::Orange);
        assert_eq!(grade(AlarmRule::High, Some(4)), AlarmColour::Yellow);
        assert_eq!(grade(AlarmRule::Stale, Some(1)), AlarmColour::Blue);
        assert_eq!(grade(AlarmRule::Rate, Some(2)), AlarmColour::Orange);
        assert_eq!(grade(AlarmRule::Rate, Some(3)), AlarmColour::Yellow);
        assert!(AlarmColour::Red > AlarmColour::Orange && AlarmColour::Orange > AlarmColour::Yellow);
    }
}
