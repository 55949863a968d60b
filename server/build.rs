//! Refuses to build a `lookout` without its map: MapLibre is built into the
//! binary from `web/node_modules` (src/assets.rs), which `npm ci` makes.

fn main() {
    let dist = std::path::Path::new("../web/node_modules/maplibre-gl/dist/maplibre-gl.js");
    let uplot = std::path::Path::new("../web/node_modules/uplot/dist/uPlot.esm.js");
    println!("cargo::rerun-if-changed=../web");
    println!("cargo::rerun-if-changed=../data/scenarios");
    if !dist.is_file() || !uplot.is_file() {
        eprintln!(
            "\nlookout: MapLibre or uPlot is not installed, and the map is built into the binary.\n\
             Run `npm ci --prefix web` (or scripts/setup) in the repository first.\n"
        );
        panic!("web/node_modules/maplibre-gl/dist or uplot/dist is missing: run `npm ci --prefix web` before building");
    }
}
