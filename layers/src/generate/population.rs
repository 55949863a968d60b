//! The population estimate: census city totals spread over counties, then over
//! a 0.02° grid, denser around each county seat.

use super::places::Province;
use crate::feature::Feature;
use crate::geodesy::distance_m;
use crate::model::PopulationCell;
use geo::orient::{Direction, Orient};
use geo::{Contains, Coord, Point, Polygon, Rect};
use rand_chacha::ChaCha8Rng;

/// Grid cell size, degrees.
pub const CELL_DEG: f64 = 0.02;

/// Splits `total` in proportion to `weights`, exactly (largest remainder).
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut shares: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let mut rest = total - shares.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .total_cmp(&(quotas[a] - quotas[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if rest == 0 {
            break;
        }
        shares[i] += 1;
        rest -= 1;
    }
    shares
}

/// County populations (by county index) and the grid.
pub(super) fn generate(province: &Province<'_>, _rng: &mut ChaCha8Rng) -> (Vec<u64>, Vec<Feature<PopulationCell>>) {
    let counties = province.counties;
    let mut county_population = vec![0u64; counties.len()];
    for city in &province.region.census.cities {
        let total = city.population;
        let members: Vec<usize> = (0..counties.len()).filter(|&i| counties[i].city == city.name).collect();
        let weights: Vec<f64> = members
            .iter()
            .map(|&i| {
                let c = &counties[i];
                let urban = if province.is_seat(i) {
                    6.0
                } else if c.is_district() {
                    4.0
                } else if c.county.ends_with('市') {
                    1.6
                } else {
                    1.0
                };
                c.area_km2.max(1.0).sqrt() * urban
            })
            .collect();
        for (i, share) in members.iter().zip(apportion(total, &weights)) {
            county_population[*i] = share;
        }
    }

    // Cells belong to the county holding their centre.
    let mut cells_of: Vec<Vec<(Rect<f64>, f64)>> = vec![Vec::new(); counties.len()];
    for (index, county) in counties.iter().enumerate() {
        let (min, max) = (county.bbox.min(), county.bbox.max());
        let (i0, i1) = ((min.x / CELL_DEG).floor() as i64, (max.x / CELL_DEG).ceil() as i64);
        let (j0, j1) = ((min.y / CELL_DEG).floor() as i64, (max.y / CELL_DEG).ceil() as i64);
        for i in i0..i1 {
            for j in j0..j1 {
                let cell_min = Coord {
                    x: i as f64 * CELL_DEG,
                    y: j as f64 * CELL_DEG,
                };
                let centre = Coord {
                    x: cell_min.x + CELL_DEG / 2.0,
                    y: cell_min.y + CELL_DEG / 2.0,
                };
                if !county.shape.contains(&Point(centre)) {
                    continue;
                }
                // Claimed by an earlier county already (overlapping boundaries)?
                if counties[..index]
                    .iter()
                    .any(|k| k.bbox.contains(&centre) && k.shape.contains(&Point(centre)))
                {
                    continue;
                }
                let km = distance_m(centre, county.label) / 1000.0;
                let sigma = if county.is_district() { 4.0 } else { 7.0 };
                let weight = 0.15 + (-(km * km) / (2.0 * sigma * sigma)).exp();
                cells_of[index].push((
                    Rect::new(
                        cell_min,
                        Coord {
                            x: cell_min.x + CELL_DEG,
                            y: cell_min.y + CELL_DEG,
                        },
                    ),
                    weight,
                ));
            }
        }
    }

    let mut features = Vec::new();
    for (index, cells) in cells_of.iter_mut().enumerate() {
        if cells.is_empty() {
            // A county smaller than a cell: one cell at its seat.
            let l = counties[index].label;
            let min = Coord {
                x: (l.x / CELL_DEG).floor() * CELL_DEG,
                y: (l.y / CELL_DEG).floor() * CELL_DEG,
            };
            cells.push((
                Rect::new(
                    min,
                    Coord {
                        x: min.x + CELL_DEG,
                        y: min.y + CELL_DEG,
                    },
                ),
                1.0,
            ));
        }
        let weights: Vec<f64> = cells.iter().map(|c| c.1).collect();
        for ((rect, _), people) in cells.iter().zip(apportion(county_population[index], &weights)) {
            let centre = rect.center();
            let area_km2 = (CELL_DEG * 111.32) * (CELL_DEG * 111.32 * centre.y.to_radians().cos());
            features.push(Feature {
                id: features.len() as u64 + 1,
                geometry: geo::Geometry::Polygon(Polygon::from(*rect).orient(Direction::Default)),
                properties: PopulationCell {
                    population: people as u32,
                    county_id: counties[index].id,
                    density_per_km2: (people as f64 / area_km2 * 10.0).round() / 10.0,
                },
            });
        }
    }
    (county_population, features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let shares = apportion(1_000, &[1.0, 1.0, 1.0]);
        assert_eq!(shares.iter().sum::<u64>(), 1_000);
        assert_eq!(shares, vec![334, 333, 333]);
        assert_eq!(apportion(10, &[0.0, 0.0]), vec![0, 0]);
        assert_eq!(apportion(7, &[3.0, 0.0, 4.0]), vec![3, 0, 4]);
    }
}
