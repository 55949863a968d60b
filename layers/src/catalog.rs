//! The [`Catalog`]: every layer in memory, one R-tree each, behind its own lock;
//! and the [`Dataset`] it is built from.
//!
//! The list of layers is written once, in [`with_layers!`]; the dataset, the
//! catalog and the lookup by collection id all follow from it.

use crate::collection::Collection;
use crate::feature::Feature;
use crate::layer::{Index, Layer};
#[allow(unused_imports, reason = "the layer list names every record type")]
use crate::model::*;
use crate::record::{LayerInfo, Record};
use parking_lot::{MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Calls `$m!` with every layer as `field: RecordType`, in map order (bottom to top).
#[macro_export]
macro_rules! with_layers {
    ($m:ident) => {
        $m! {
            counties: County,
            population: PopulationCell,
            disaster_zones: DisasterZone,
            roads: Road,
            gas_pipes: GasPipe,
            gas_valves: GasValve,
            gas_stations: GasStation,
            enterprises: Enterprise,
            hazard_sources: HazardSource,
            sensors: Sensor,
            rescue_teams: RescueTeam,
            warehouses: Warehouse,
            shelters: Shelter,
            sensitive_sites: SensitiveSite,
            incidents: Incident,
        }
    };
}

macro_rules! define_catalog {
    ($($name:ident: $ty:ty),+ $(,)?) => {
        /// Every layer's features, as loaded from files or made by the generator.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Dataset {
            $(
                #[doc = concat!("The `", stringify!($name), "` layer.")]
                pub $name: Vec<Feature<$ty>>,
            )+
        }

        /// Every layer's R-tree as the dataset cache kept it, where it did
        /// ([`Catalog::with_indexes`]).
        #[derive(Debug, Default)]
        pub struct Indexes {
            $(
                #[doc = concat!("The `", stringify!($name), "` layer's.")]
                pub $name: Option<Index>,
            )+
            /// The enterprises' H3 resolution-7 cells (the risk grid's
            /// fine cells, `u64` of each, 0 for none) as the cache kept
            /// them: one per enterprise, in the dataset's order (empty:
            /// none kept).
            pub enterprise_cells: Vec<u64>,
        }

        /// Every layer in memory, each behind its own lock.
        #[derive(Debug)]
        pub struct Catalog {
            $(
                #[doc = concat!("The `", stringify!($name), "` layer.")]
                pub $name: RwLock<Layer<$ty>>,
            )+
            /// [`Indexes::enterprise_cells`], until the risk grid takes them.
            enterprise_cells: parking_lot::Mutex<Vec<u64>>,
        }

        impl Dataset {
            /// Every layer's identity, in map order.
            pub const LAYERS: &'static [LayerInfo] = &[$(<$ty as Record>::INFO),+];

            /// Feature count per collection id, in map order.
            pub fn counts(&self) -> Vec<(&'static str, usize)> {
                vec![$((<$ty as Record>::INFO.id, self.$name.len())),+]
            }
        }

        impl Catalog {
            /// Indexes a dataset: one bulk-loaded R-tree per layer, built in parallel.
            pub fn new(dataset: Dataset) -> Self {
                Self::with_indexes(dataset, Indexes::default())
            }

            /// As [`Catalog::new`], taking each layer's R-tree from `indexes`
            /// where it indexes exactly that layer's features ([`Layer::with_index`]).
            pub fn with_indexes(dataset: Dataset, indexes: Indexes) -> Self {
                // The kept cells follow the enterprises in the dataset's
                // order: only when that is the layer's (ids ascending) and
                // there is one for each.
                let cells = if indexes.enterprise_cells.len() == dataset.enterprises.len()
                    && dataset.enterprises.windows(2).all(|w| w[0].id < w[1].id)
                {
                    indexes.enterprise_cells
                } else {
                    Vec::new()
                };
                std::thread::scope(|scope| {
                    $(let $name = scope.spawn(move || Layer::with_index(dataset.$name, indexes.$name));)+
                    Catalog {
                        $($name: RwLock::new($name.join().unwrap_or_default()),)+
                        enterprise_cells: parking_lot::Mutex::new(cells),
                    }
                })
            }

            /// Bytes the layers' records and R-trees take ([`Layer::struct_bytes`]:
            /// not the text and geometry they point to), for the start-up log.
            pub fn struct_bytes(&self) -> usize {
                0 $(+ self.$name.read().struct_bytes())+
            }

            /// A copy of every layer as it is now (for export).
            pub fn to_dataset(&self) -> Dataset {
                Dataset { $($name: self.$name.read().features().to_vec(),)+ }
            }

            /// Read access to a layer by collection id.
            pub fn read(&self, id: &str) -> Option<MappedRwLockReadGuard<'_, dyn Collection>> {
                $(
                    if id == <$ty as Record>::INFO.id {
                        return Some(RwLockReadGuard::map(self.$name.read(), |l| l as &dyn Collection));
                    }
                )+
                None
            }

            /// Write access to a layer by collection id.
            pub fn write(&self, id: &str) -> Option<MappedRwLockWriteGuard<'_, dyn Collection>> {
                $(
                    if id == <$ty as Record>::INFO.id {
                        return Some(RwLockWriteGuard::map(self.$name.write(), |l| l as &mut dyn Collection));
                    }
                )+
                None
            }
        }
    };
}

with_layers!(define_catalog);

impl Catalog {
    /// Every collection id, in map order.
    pub fn ids() -> impl Iterator<Item = &'static str> {
        Dataset::LAYERS.iter().map(|l| l.id)
    }

    /// The enterprises' resolution-7 cells the dataset cache kept, one per
    /// feature of `layer` in its order, if they still are that: the layer
    /// has not changed since it was built (no event replayed or applied
    /// touched it) and has as many features. Taken once (the risk grid is
    /// built once at start-up); `None` after, or when none were kept.
    pub fn take_enterprise_cells(&self, layer: &Layer<Enterprise>) -> Option<Vec<u64>> {
        let cells = std::mem::take(&mut *self.enterprise_cells.lock());
        (!cells.is_empty() && layer.changes() == 0 && cells.len() == layer.len()).then_some(cells)
    }

    /// How far `p` (lon/lat) lies outside the region, the union of the
    /// `counties` layer, in metres: 0 inside or on a boundary. `None` when
    /// the layer is empty (a dataset without counties has no region).
    pub fn distance_outside_region_m(&self, p: geo::Coord<f64>) -> Option<f64> {
        let counties = self.counties.read();
        counties
            .nearest(p, 1, &crate::filter::Filter::all())
            .first()
            .map(|(_, d)| *d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_the_collection_ids() {
        let ids: Vec<_> = Catalog::ids().collect();
        assert_eq!(
            ids,
            [
                "counties",
                "population",
                "disaster_zones",
                "roads",
                "gas_pipes",
                "gas_valves",
                "gas_stations",
                "enterprises",
                "hazard_sources",
                "sensors",
                "rescue_teams",
                "warehouses",
                "shelters",
                "sensitive_sites",
                "incidents"
            ]
        );
        let catalog = Catalog::new(Dataset::default());
        for id in ids {
            assert_eq!(catalog.read(id).map(|c| c.info().id), Some(id));
            assert_eq!(catalog.write(id).map(|c| c.info().id), Some(id));
        }
        assert!(catalog.read("nope").is_none());
    }

    #[test]
    fn the_region_is_the_union_of_the_counties() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let taiyuan = geo::Coord { x: 112.55, y: 37.87 };
        assert_eq!(catalog.distance_outside_region_m(taiyuan), Some(0.0));
        // Shijiazhuang (Hebei) lies some 50 km east of Shanxi's border.
        let shijiazhuang = geo::Coord { x: 114.51, y: 38.04 };
        let d = catalog.distance_outside_region_m(shijiazhuang).expect("counties");
        assert!((40_000.0..60_000.0).contains(&d), "{d}");
        let far = geo::Coord { x: 11.52, y: 37.87 };
        assert!(catalog.distance_outside_region_m(far).expect("counties") > 5_000_000.0);
        assert_eq!(
            Catalog::new(Dataset::default()).distance_outside_region_m(taiyuan),
            None
        );
    }
}
