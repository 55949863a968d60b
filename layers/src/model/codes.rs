//! The code lists of the domain (glossary names, Chinese labels).

use super::code_enum;

code_enum! {
    /// Industry of a supervised enterprise (生产经营单位).
    Industry {
        /// 危险化学品
        HazardousChemicals = "hazardous_chemicals" / "危险化学品",
        /// 煤矿
        CoalMine = "coal_mine" / "煤矿",
        /// 非煤矿山
        NonCoalMine = "non_coal_mine" / "非煤矿山",
        /// 尾矿库
        TailingsPond = "tailings_pond" / "尾矿库",
        /// 冶金 (钢铁, 铝加工)
        Metallurgy = "metallurgy" / "冶金",
        /// 粉尘涉爆
        DustExplosion = "dust_explosion" / "粉尘涉爆",
        /// 有限空间
        ConfinedSpace = "confined_space" / "有限空间",
        /// 烟花爆竹
        Fireworks = "fireworks" / "烟花爆竹",
        /// 加油站
        FuelStation = "fuel_station" / "加油站",
        /// 油库
        OilDepot = "oil_depot" / "油库",
        /// 燃气
        Gas = "gas" / "燃气",
    }
}

code_enum! {
    /// Safety risk level (安全风险等级), in the standard four colours.
    RiskLevel {
        /// 重大风险 (红)
        Major = "red" / "重大风险",
        /// 较大风险 (橙)
        High = "orange" / "较大风险",
        /// 一般风险 (黄)
        Moderate = "yellow" / "一般风险",
        /// 低风险 (蓝)
        Low = "blue" / "低风险",
    }
}

code_enum! {
    /// Kind of rescue team (救援队伍).
    RescueKind {
        /// 危化救援
        Hazmat = "hazmat" / "危化救援",
        /// 矿山救护
        MineRescue = "mine_rescue" / "矿山救护",
        /// 消防救援
        Fire = "fire" / "消防救援",
        /// 森林消防
        ForestFire = "forest_fire" / "森林消防",
        /// 医疗救护
        Medical = "medical" / "医疗救护",
        /// 防汛抢险
        Flood = "flood" / "防汛抢险",
        /// 综合救援
        General = "general" / "综合救援",
    }
}

code_enum! {
    /// A unit's status in the dispatch cycle:
    /// available → dispatched → en route → on scene → returning → available.
    TeamStatus {
        /// 待命
        Available = "available" / "待命",
        /// 已调派
        Dispatched = "dispatched" / "已调派",
        /// 途中
        EnRoute = "en_route" / "途中",
        /// 到场
        OnScene = "on_scene" / "到场",
        /// 返回
        Returning = "returning" / "返回",
        /// 停用
        OutOfService = "out_of_service" / "停用",
    }
}

code_enum! {
    /// Pressure class of a city gas pipe (城镇燃气管网).
    PressureClass {
        /// 高压
        High = "high" / "高压",
        /// 次高压
        SubHigh = "sub_high" / "次高压",
        /// 中压
        Medium = "medium" / "中压",
        /// 低压
        Low = "low" / "低压",
    }
}

code_enum! {
    /// Kind of gas station.
    StationKind {
        /// 门站: where the city network takes gas from the transmission line.
        Gate = "gate" / "门站",
        /// 调压站: steps pressure down between classes.
        Regulator = "regulator" / "调压站",
    }
}

code_enum! {
    /// Kind of disaster-prone zone.
    DisasterKind {
        /// 地质灾害 (滑坡, 崩塌, 泥石流)
        GeologicalHazard = "geological_hazard" / "地质灾害",
        /// 洪涝
        Flood = "flood" / "洪涝",
        /// 森林草原火险
        ForestFire = "forest_fire" / "森林草原火险",
        /// 地震 设防烈度8度区
        Seismic = "seismic" / "地震高烈度区",
    }
}

code_enum! {
    /// Severity of a disaster-prone zone.
    Severity {
        /// 极高
        VeryHigh = "very_high" / "极高",
        /// 高
        High = "high" / "高",
        /// 中
        Moderate = "moderate" / "中",
        /// 低
        Low = "low" / "低",
    }
}

code_enum! {
    /// Class of road, each with its routing speed.
    RoadClass {
        /// 高速公路
        Expressway = "expressway" / "高速公路",
        /// 国道
        National = "national" / "国道",
        /// 省道
        Provincial = "provincial" / "省道",
        /// 县道
        County = "county" / "县道",
        /// 城市道路
        Urban = "urban" / "城市道路",
    }
}

impl RoadClass {
    /// Free-flow speed used for routing, km/h.
    pub fn speed_kmh(self) -> u32 {
        match self {
            Self::Expressway => 100,
            Self::National => 70,
            Self::Provincial => 60,
            Self::County => 40,
            Self::Urban => 30,
        }
    }
}

code_enum! {
    /// Quantity monitored continuously at a major hazard source (监测预警).
    MonitorKind {
        /// 温度
        Temperature = "temperature" / "温度",
        /// 压力
        Pressure = "pressure" / "压力",
        /// 液位
        Level = "level" / "液位",
        /// 流量
        Flow = "flow" / "流量",
        /// 可燃气体
        CombustibleGas = "combustible_gas" / "可燃气体",
        /// 有毒气体
        ToxicGas = "toxic_gas" / "有毒气体",
    }
}

code_enum! {
    /// Kind of incident (突发事件类型).
    IncidentKind {
        /// 危险化学品泄漏
        Leak = "leak" / "危化品泄漏",
        /// 燃气泄漏
        GasLeak = "gas_leak" / "燃气泄漏",
        /// 火灾
        Fire = "fire" / "火灾",
        /// 爆炸
        Explosion = "explosion" / "爆炸",
        /// 矿山事故 (透水, 瓦斯, 冒顶)
        MineAccident = "mine_accident" / "矿山事故",
        /// 洪涝
        Flood = "flood" / "洪涝灾害",
        /// 滑坡, 崩塌, 泥石流
        Landslide = "landslide" / "地质灾害",
        /// 道路交通事故
        RoadAccident = "road_accident" / "道路交通事故",
        /// 森林草原火灾
        ForestFire = "forest_fire" / "森林火灾",
    }
}

code_enum! {
    /// Whether an incident is being handled.
    IncidentStatus {
        /// 处置中
        Open = "open" / "处置中",
        /// 已结束
        Closed = "closed" / "已结束",
    }
}
