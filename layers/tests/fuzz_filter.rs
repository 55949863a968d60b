//! Fuzzing property filters (`filter::Filter::parse`, reached from every
//! list, tile, nearest and exposure URL): arbitrary names and values, and
//! near-valid ones built from each layer's own fields and codes, are parsed
//! into a filter or refused with `BadFilter`, never a panic; a parsed filter
//! can be matched against the layer's features.

mod fuzzing;

use fuzzing::{fail, fuzz};
use lookout_layers::record::FieldType;
use lookout_layers::{Catalog, Dataset, Error};
use proptest::prelude::*;
use proptest::sample::Index;

/// One `name=value` pair: a layer's field (or any name) and a value that is
/// one of its codes, a number, a date, a list of them, or anything.
fn pair() -> impl Strategy<Value = (Index, Index, Option<String>, String)> {
    let value = prop_oneof![
        ".{0,20}",
        "[0-9-]{1,12}",
        "-?[0-9]{1,25}(\\.[0-9]{0,5})?(e-?[0-9]{1,4})?",
        "(NaN|inf|-inf|infinity|1e309|true|false|TRUE|,|,,|2024-02-30|2024-13-01|0000-00-00|\u{0}|%00)",
        "[a-z_]{1,12}(,[a-z_]{1,12}){0,70}",
    ];
    (
        any::<Index>(),
        any::<Index>(),
        prop::option::weighted(0.1, ".{0,12}"),
        value,
    )
}

#[test]
fn any_filter_is_parsed_or_refused_with_a_reason() {
    let catalog = Catalog::new(Dataset::default());
    let ids: Vec<&'static str> = Catalog::ids().collect();
    let strategy = (any::<Index>(), prop::collection::vec(pair(), 0..20));
    fuzz("property_filters", 1.0, strategy, |(layer, pairs)| {
        let id = ids[layer.index(ids.len())];
        let collection = catalog.read(id).ok_or_else(|| fail(format!("no layer {id}")))?;
        let fields = collection.fields();
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(f, code, name, value)| {
                let name = match name {
                    Some(n) => n.clone(),
                    None if fields.is_empty() => "name".to_owned(),
                    None => fields[f.index(fields.len())].name.to_owned(),
                };
                // Half the time, a value the field knows (one of its codes).
                let value = match fields.iter().find(|x| x.name == name).map(|x| x.ty) {
                    Some(FieldType::Enum(codes)) if !codes.is_empty() && code.index(2) == 0 => {
                        codes[code.index(codes.len())].to_owned()
                    }
                    _ => value.clone(),
                };
                (name, value)
            })
            .collect();
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match collection.parse_filter(&borrowed) {
            Ok(filter) => {
                collection.query(None, &filter, 0, 10);
                Ok(())
            }
            Err(Error::BadFilter(reason)) if !reason.is_empty() => Ok(()),
            Err(other) => Err(fail(format!("not a clean refusal: {other:?}"))),
        }
    });
}
