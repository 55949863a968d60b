//! EWKB, PostGIS's binary geometry format: what `geometry` columns send and
//! receive. Coordinates go through as the exact `f64`s, with no text round trip.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

/// SRID of every geometry Lookout stores (WGS 84 lon/lat).
pub const SRID: u32 = 4326;
const SRID_FLAG: u32 = 0x2000_0000;
const Z_FLAG: u32 = 0x8000_0000;
const M_FLAG: u32 = 0x4000_0000;

/// Writes `geometry` as little-endian EWKB with SRID 4326.
pub fn write(geometry: &Geometry<f64>, out: &mut Vec<u8>) {
    write_geometry(geometry, Some(SRID), out);
}

fn header(kind: u32, srid: Option<u32>, out: &mut Vec<u8>) {
    out.push(1);
    match srid {
        Some(srid) => {
            out.extend_from_slice(&(kind | SRID_FLAG).to_le_bytes());
            out.extend_from_slice(&srid.to_le_bytes());
        }
        None => out.extend_from_slice(&kind.to_le_bytes()),
    }
}

fn coord(c: Coord<f64>, out: &mut Vec<u8>) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

fn coords(line: &LineString<f64>, out: &mut Vec<u8>) {
    out.extend_from_slice(&(line.0.len() as u32).to_le_bytes());
    for c in &line.0 {
        coord(*c, out);
    }
}

fn rings(polygon: &Polygon<f64>, out: &mut Vec<u8>) {
    out.extend_from_slice(&(1 + polygon.interiors().len() as u32).to_le_bytes());
    coords(polygon.exterior(), out);
    for ring in polygon.interiors() {
        coords(ring, out);
    }
}

fn count(n: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn write_geometry(geometry: &Geometry<f64>, srid: Option<u32>, out: &mut Vec<u8>) {
    match geometry {
        Geometry::Point(p) => {
            header(1, srid, out);
            coord(p.0, out);
        }
        Geometry::LineString(l) => {
            header(2, srid, out);
            coords(l, out);
        }
        Geometry::Polygon(p) => {
            header(3, srid, out);
            rings(p, out);
        }
        Geometry::MultiPoint(m) => {
            header(4, srid, out);
            count(m.0.len(), out);
            for p in &m.0 {
                write_geometry(&Geometry::Point(*p), None, out);
            }
        }
        Geometry::MultiLineString(m) => {
            header(5, srid, out);
            count(m.0.len(), out);
            for l in &m.0 {
                header(2, None, out);
                coords(l, out);
            }
        }
        Geometry::MultiPolygon(m) => {
            header(6, srid, out);
            count(m.0.len(), out);
            for p in &m.0 {
                header(3, None, out);
                rings(p, out);
            }
        }
        Geometry::GeometryCollection(c) => {
            header(7, srid, out);
            count(c.0.len(), out);
            for g in &c.0 {
                write_geometry(g, None, out);
            }
        }
        // Lookout's layers hold none of these; a rectangle or triangle is
        // written as the polygon it is.
        Geometry::Line(l) => write_geometry(&Geometry::LineString(LineString::from(vec![l.start, l.end])), srid, out),
        Geometry::Rect(r) => write_geometry(&Geometry::Polygon(r.to_polygon()), srid, out),
        Geometry::Triangle(t) => write_geometry(&Geometry::Polygon(t.to_polygon()), srid, out),
    }
}

/// Reads (E)WKB of either byte order; Z and M values are dropped.
pub fn read(bytes: &[u8]) -> Result<Geometry<f64>, String> {
    let mut reader = Reader { bytes, at: 0 };
    let geometry = reader.geometry(0)?;
    if reader.at != bytes.len() {
        return Err(format!("{} bytes after the geometry", bytes.len() - reader.at));
    }
    Ok(geometry)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let slice = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| format!("geometry cut short at byte {}", self.at))?;
        self.at += N;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn count(&mut self, little: bool) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        // Each element takes at least 4 bytes: a count this large is damage.
        if n > (self.bytes.len() - self.at) / 4 + 1 {
            return Err(format!("count {n} exceeds the data"));
        }
        Ok(n)
    }

    fn coord(&mut self, little: bool, extra: usize) -> Result<Coord<f64>, String> {
        let x = self.f64(little)?;
        let y = self.f64(little)?;
        for _ in 0..extra {
            self.f64(little)?;
        }
        Ok(Coord { x, y })
    }

    fn line(&mut self, little: bool, extra: usize) -> Result<LineString<f64>, String> {
        let n = self.count(little)?;
        (0..n).map(|_| self.coord(little, extra)).collect()
    }

    fn polygon(&mut self, little: bool, extra: usize) -> Result<Polygon<f64>, String> {
        let n = self.count(little)?;
        let mut rings = (0..n)
            .map(|_| self.line(little, extra))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn geometry(&mut self, depth: usize) -> Result<Geometry<f64>, String> {
        if depth > 8 {
            return Err("geometry nested too deeply".into());
        }
        let little = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            other => return Err(format!("byte order {other} is neither 0 nor 1")),
        };
        let raw = self.u32(little)?;
        if raw & SRID_FLAG != 0 {
            let srid = self.u32(little)?;
            if srid != SRID && srid != 0 {
                return Err(format!("SRID {srid}, not {SRID}"));
            }
        }
        let mut extra = usize::from(raw & Z_FLAG != 0) + usize::from(raw & M_FLAG != 0);
        // ISO WKB says Z and M with 1000s.
        let mut kind = raw & 0x0FFF_FFFF;
        if kind > 1000 {
            extra += match kind / 1000 {
                1 | 2 => 1,
                3 => 2,
                _ => 0,
            };
            kind %= 1000;
        }
        Ok(match kind {
            1 => Geometry::Point(Point(self.coord(little, extra)?)),
            2 => Geometry::LineString(self.line(little, extra)?),
            3 => Geometry::Polygon(self.polygon(little, extra)?),
            4..=7 => {
                let n = self.count(little)?;
                let parts = (0..n)
                    .map(|_| self.geometry(depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                let wrong = |what: &str| format!("a multi-{what} holds another kind of geometry");
                match kind {
                    4 => Geometry::MultiPoint(MultiPoint(
                        parts
                            .into_iter()
                            .map(|g| {
                                if let Geometry::Point(p) = g {
                                    Ok(p)
                                } else {
                                    Err(wrong("point"))
                                }
                            })
                            .collect::<Result<_, _>>()?,
                    )),
                    5 => Geometry::MultiLineString(MultiLineString(
                        parts
                            .into_iter()
                            .map(|g| {
                                if let Geometry::LineString(l) = g {
                                    Ok(l)
                                } else {
                                    Err(wrong("line"))
                                }
                            })
                            .collect::<Result<_, _>>()?,
                    )),
                    6 => Geometry::MultiPolygon(MultiPolygon(
                        parts
                            .into_iter()
                            .map(|g| {
                                if let Geometry::Polygon(p) = g {
                                    Ok(p)
                                } else {
                                    Err(wrong("polygon"))
                                }
                            })
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => Geometry::GeometryCollection(geo::GeometryCollection(parts)),
                }
            }
            other => return Err(format!("unknown geometry type {other}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, line_string, point, polygon};

    fn round_trip(g: Geometry<f64>) {
        let mut bytes = Vec::new();
        write(&g, &mut bytes);
        assert_eq!(read(&bytes).unwrap(), g);
    }

    #[test]
    fn every_kind_round_trips_bit_for_bit() {
        round_trip(point!(x: 112.548_879_123_456_78, y: 37.870_590_000_000_01).into());
        round_trip(line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.5), (x: -0.1, y: 1e-9)].into());
        let square = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let holed = Polygon::new(
            square.exterior().clone(),
            vec![line_string![(x: 0.2, y: 0.2), (x: 0.3, y: 0.2), (x: 0.3, y: 0.3), (x: 0.2, y: 0.2)]],
        );
        round_trip(holed.clone().into());
        round_trip(MultiPolygon(vec![square, holed]).into());
        round_trip(MultiPoint(vec![point!(x: 1.0, y: 2.0)]).into());
        round_trip(MultiLineString(vec![line_string![(x: 1.0, y: 2.0), (x: 2.0, y: 3.0)]]).into());
    }

    #[test]
    fn postgis_hex_is_read_including_big_endian_and_z() {
        // SELECT ST_AsEWKB('SRID=4326;POINT(1 2)'::geometry)
        let hex = "0101000020E6100000000000000000F03F0000000000000040";
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(read(&bytes).unwrap(), Geometry::Point(point!(x: 1.0, y: 2.0)));
        // Big-endian POINT Z (1 2 3), ISO code 1001.
        let mut be = vec![0u8];
        be.extend_from_slice(&1001u32.to_be_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(read(&be).unwrap(), Geometry::Point(Point(coord! {x: 1.0, y: 2.0})));
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        write(&Geometry::Point(point!(x: 1.0, y: 2.0)), &mut bytes);
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut other_srid = bytes.clone();
        other_srid[5..9].copy_from_slice(&3857u32.to_le_bytes());
        assert!(read(&other_srid).unwrap_err().contains("3857"));
        let mut huge = vec![1u8];
        huge.extend_from_slice(&2u32.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&huge).is_err());
        bytes.push(0);
        assert!(read(&bytes).is_err());
    }
}
