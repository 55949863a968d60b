//! Fuzzing drill scenario files (`ops::scenario::Scenario::read`, TOML from
//! `data/scenarios/`): arbitrary text, and the shipped scenarios with lines
//! dropped, doubled, cut or given other values, are read into a checked
//! scenario or refused with `BadData`, never a panic.

mod fuzzing;

use fuzzing::{fail, fuzz};
use lookout_layers::Error;
use lookout_layers::ops::scenario::Scenario;
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::Path;

fn shipped() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/scenarios");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .expect("data/scenarios")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    texts.sort();
    assert!(!texts.is_empty(), "no scenario in {}", dir.display());
    texts
}

#[derive(Debug, Clone)]
enum Edit {
    Drop(Index),
    Double(Index),
    Cut(Index),
    Value(Index, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let value = prop_oneof![
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        Just("[]".to_owned()),
        Just("[1.0]".to_owned()),
        Just("[1e308, -1e308]".to_owned()),
        Just("\"\"".to_owned()),
        Just("{}".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("-9223372036854775808".to_owned()),
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
        "\"[a-z_]{0,12}\"",
        ".{0,16}",
    ];
    prop_oneof![
        any::<Index>().prop_map(Edit::Drop),
        any::<Index>().prop_map(Edit::Double),
        any::<Index>().prop_map(Edit::Cut),
        (any::<Index>(), value).prop_map(|(i, v)| Edit::Value(i, v)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        match e {
            Edit::Drop(i) => {
                lines.remove(i.index(lines.len()));
            }
            Edit::Double(i) => {
                let at = i.index(lines.len());
                lines.insert(at, lines[at].clone());
            }
            Edit::Cut(i) => {
                let at = i.index(lines.len());
                let line = &mut lines[at];
                let mut cut = line.len() / 2;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
            }
            Edit::Value(i, v) => {
                let at = i.index(lines.len());
                if let Some((key, _)) = lines[at].split_once('=') {
                    lines[at] = format!("{key}= {v}");
                }
            }
        }
    }
    lines.join("\n")
}

fn read(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let path = dir.path().join("fuzz.toml");
    std::fs::write(&path, text).map_err(|e| fail(e.to_string()))?;
    match Scenario::read(&path) {
        Ok(s) if s.id == "fuzz" => Ok(()),
        Ok(s) => Err(fail(format!("read as {:?}", s.id))),
        Err(Error::BadData { reason, .. }) if !reason.is_empty() => Ok(()),
        Err(other) => Err(fail(format!("not a clean refusal: {other:?}"))),
    }
}

#[test]
fn a_damaged_scenario_is_read_or_refused_with_a_reason() {
    let texts = shipped();
    let strategy = (any::<Index>(), prop::collection::vec(edit(), 1..6));
    fuzz("scenario_edits", 0.75, strategy, |(which, edits)| {
        read(&apply(&texts[which.index(texts.len())], &edits))
    });
}

#[test]
fn any_text_is_read_or_refused_with_a_reason() {
    fuzz("scenario_text", 0.25, ".{0,400}", |text: String| read(&text));
}
