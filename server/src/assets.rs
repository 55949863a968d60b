//! What the program carries inside it, built in at compile time
//! (`rust-embed`): the map's own files, MapLibre's and uPlot's `dist`, and the drill
//! scenarios. `build.rs` refuses to build without MapLibre (`npm ci` in
//! `web/`), so no binary is made without a map. Debug builds read the same
//! files from the source tree at run time.

use lookout_layers::ops::scenario::Scenario;
use rust_embed::Embed;
use std::path::Path;

/// `web/`: the map's own files only (not `package.json`, `package-lock.json`
/// or `node_modules/`).
#[derive(Debug, Embed)]
#[folder = "../web/"]
#[exclude = "node_modules/*"]
#[exclude = "package.json"]
#[exclude = "package-lock.json"]
pub struct Map;

/// MapLibre GL JS's `dist`: the build the map loads, its stylesheet, its
/// source map and licence (not the `-dev` and `-csp` builds).
#[derive(Debug, Embed)]
#[folder = "../web/node_modules/maplibre-gl/dist/"]
#[include = "maplibre-gl.js"]
#[include = "maplibre-gl.js.map"]
#[include = "maplibre-gl.css"]
#[include = "LICENSE.txt"]
pub struct MapLibre;

/// uPlot's `dist` (the sensor charts): its ES module and stylesheet.
#[derive(Debug, Embed)]
#[folder = "../web/node_modules/uplot/dist/"]
#[include = "uPlot.esm.js"]
#[include = "uPlot.min.css"]
pub struct UPlot;

/// `data/scenarios/`: the drill scenarios.
#[derive(Debug, Embed)]
#[folder = "../data/scenarios/"]
#[include = "*.toml"]
struct Scenarios;

/// The drill scenarios: `dir`'s `*.toml` when that folder exists (a bureau's
/// own), else the built-in ones.
pub fn scenarios(dir: &Path) -> lookout_layers::Result<Vec<Scenario>> {
    if dir.is_dir() {
        return Scenario::read_dir(dir);
    }
    let mut out = Vec::new();
    for name in Scenarios::iter() {
        let Some(file) = Scenarios::get(&name) else { continue };
        let id = name.trim_end_matches(".toml");
        let text = String::from_utf8_lossy(&file.data);
        out.push(Scenario::parse(
            id,
            &text,
            &Path::new("(built-in) scenarios").join(&*name),
        )?);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_maps_own_files_are_built_in() {
        assert!(Map::get("index.html").is_some());
        assert!(Map::get("app.js").is_some());
        for private in [
            "package.json",
            "package-lock.json",
            "node_modules/maplibre-gl/package.json",
        ] {
            assert!(Map::get(private).is_none(), "{private} is built in");
        }
        assert!(MapLibre::get("maplibre-gl.js").is_some());
        assert!(MapLibre::get("maplibre-gl-dev.js").is_none());
        assert!(UPlot::get("uPlot.esm.js").is_some());
        assert!(UPlot::get("uPlot.min.css").is_some());
    }

    #[test]
    fn the_built_in_scenarios_are_the_ones_in_data() {
        let from_files = Scenario::read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/scenarios")).unwrap();
        let built_in = scenarios(Path::new("/nonexistent/scenarios")).unwrap();
        assert!(!built_in.is_empty());
        assert_eq!(built_in, from_files);
    }
}
