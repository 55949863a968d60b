//! Fictional names, phone numbers and credit codes.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾",
    "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪",
    "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛",
    "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武",
    "乔", "贺", "赖", "龚", "文", "牛", "樊", "霍", "温", "申", "卫", "栗", "晋", "裴", "柴",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "志", "文", "斌", "辉", "鹏", "宇", "浩", "凯", "俊", "峰", "亮", "晨",
    "晓", "红", "海", "波", "春", "林", "燕", "玲", "雪", "梅", "琳", "丹", "慧", "荣", "德", "永", "利", "宏", "新",
    "卫", "兵", "晋",
];

const TRADE_WORDS: &[&str] = &[
    "恒泰", "宏达", "兴盛", "鑫源", "晋丰", "华通", "永安", "泰和", "金石", "东方", "同创", "瑞祥", "汇丰", "长城",
    "中联", "新华", "盛世", "德隆", "正阳", "天元", "顺达", "嘉禾", "广源", "锦程", "宝泰", "吉昌", "安泰", "汾河",
    "太行", "吕梁", "五台", "云冈", "龙城", "晋阳", "河东", "三晋", "鼎盛", "信达", "丰源", "利民",
];

const STREETS: &[&str] = &[
    "迎泽大街",
    "建设路",
    "解放路",
    "新华街",
    "人民路",
    "工业路",
    "府西街",
    "长风街",
    "滨河路",
    "和平路",
    "胜利街",
    "开发区大道",
    "朝阳街",
    "文化路",
    "青年路",
    "北环路",
    "南环路",
    "东风路",
    "西山路",
    "矿区路",
];

/// A person's name, e.g. 王建国.
pub fn person(rng: &mut ChaCha8Rng) -> String {
    let mut name = String::from(*SURNAMES.choose(rng).unwrap_or(&"王"));
    for _ in 0..rng.random_range(1..=2) {
        name.push_str(GIVEN.choose(rng).unwrap_or(&"伟"));
    }
    name
}

/// A fictional mobile number.
pub fn phone(rng: &mut ChaCha8Rng) -> String {
    let prefix = ["139", "138", "135", "186", "152", "158"]
        .choose(rng)
        .copied()
        .unwrap_or("139");
    format!("{prefix}{:08}", rng.random_range(0..100_000_000u32))
}

/// A trade name word, e.g. 恒泰.
pub fn trade_word(rng: &mut ChaCha8Rng) -> &'static str {
    TRADE_WORDS.choose(rng).copied().unwrap_or("恒泰")
}

/// A street address in the given province, city and county.
pub fn address(rng: &mut ChaCha8Rng, province: &str, city: &str, county: &str) -> String {
    let street = STREETS.choose(rng).copied().unwrap_or("建设路");
    format!("{province}{city}{county}{street}{}号", rng.random_range(1..=999))
}

const CODE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (GB 32100) that is unique for `serial` and has
/// valid check characters: `91` (enterprise), the six-digit division code, a
/// nine-character organisation code (GB 11714, with its own check) and the
/// final check character.
pub fn credit_code(division: u32, serial: u64) -> String {
    // Multiplying by a number coprime to 10⁸ spreads serials without collisions.
    let body = (serial.wrapping_mul(7_919) + 12_345_678) % 100_000_000;
    let org8 = format!("{body:08}");
    let weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = org8.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    };
    let mut code = format!("91{division:06}{org8}{org_check}");
    let sum: u32 = code
        .bytes()
        .zip(CODE_WEIGHTS)
        .map(|(b, w)| CODE_CHARS.iter().position(|c| *c == b).unwrap_or(0) as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    code.push(char::from(CODE_CHARS[check as usize]));
    code
}

/// Whether `code` is a well-formed unified social credit code: 18
/// characters of GB 32100-2015's alphabet (digits and capitals without I, O,
/// S, V, Z) whose last is the check character: 31 − (Σ cᵢ·wᵢ mod 31), with
/// wᵢ = 3^(i) mod 31 (GB 32100-2015 §5 and Annex; 31 reads as 0).
pub fn credit_code_is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (b, w) in bytes[..17].iter().zip(CODE_WEIGHTS) {
        match CODE_CHARS.iter().position(|c| c == b) {
            Some(v) => sum += v as u32 * w,
            None => return false,
        }
    }
    CODE_CHARS[((31 - sum % 31) % 31) as usize] == bytes[17]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_valid_and_unique() {
        let codes: std::collections::HashSet<_> = (0..50_000).map(|i| credit_code(140_105, i)).collect();
        assert_eq!(codes.len(), 50_000);
        assert!(codes.iter().all(|c| credit_code_is_valid(c)));
        let good = credit_code(140_105, 1);
        let last = if good.ends_with('0') { '1' } else { '0' };
        let bad = format!("{}{last}", &good[..17]);
        assert!(!credit_code_is_valid(&bad));
    }
}
