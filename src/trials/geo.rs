//! Distances on the Earth: the exact great-circle (haversine) distance used to keep and order
//! sites, and the bounding box of a search circle that lets SQL narrow the candidates first on
//! the `(lat, lon)` index of `trial_sites`.

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Extra margin around a bounding box, in degrees, so rounding never drops a site the exact
/// distance would keep.
const MARGIN_DEGREES: f64 = 0.001;

/// Great-circle distance between two points given as (latitude, longitude) in degrees.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The latitude and longitude ranges that contain every point within the radius of a centre.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    /// One range, two when the circle crosses the antimeridian, none when it covers a pole
    /// (every longitude then).
    pub lon_ranges: Vec<(f64, f64)>,
}

/// The bounding box of the circle of `radius_km` around (`lat`, `lon`) (J. P. Matuschek's
/// method: the longitude half-width is `asin(sin(r) / cos(lat))`).
pub fn bounding_box(lat: f64, lon: f64, radius_km: f64) -> BoundingBox {
    let angular = radius_km / EARTH_RADIUS_KM;
    let dlat = angular.to_degrees() + MARGIN_DEGREES;
    let min_lat = lat - dlat;
    let max_lat = lat + dlat;
    if max_lat >= 90.0 || min_lat <= -90.0 {
        return BoundingBox {
            min_lat: min_lat.max(-90.0),
            max_lat: max_lat.min(90.0),
            lon_ranges: Vec::new(),
        };
    }
    let ratio = angular.sin() / lat.to_radians().cos();
    if ratio >= 1.0 {
        return BoundingBox {
            min_lat,
            max_lat,
            lon_ranges: Vec::new(),
        };
    }
    let dlon = ratio.asin().to_degrees() + MARGIN_DEGREES;
    let (west, east) = (lon - dlon, lon + dlon);
    let lon_ranges = if west < -180.0 {
        vec![(west + 360.0, 180.0), (-180.0, east)]
    } else if east > 180.0 {
        vec![(west, 180.0), (-180.0, east - 360.0)]
    } else {
        vec![(west, east)]
    };
    BoundingBox {
        min_lat,
        max_lat,
        lon_ranges,
    }
}

impl BoundingBox {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat)
            && (self.lon_ranges.is_empty()
                || self
                    .lon_ranges
                    .iter()
                    .any(|(w, e)| (*w..=*e).contains(&lon)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEIJING: (f64, f64) = (39.9042, 116.4074);
    const SHANGHAI: (f64, f64) = (31.2304, 121.4737);

    #[test]
    fn distances_match_known_values() {
        let d = distance_km(BEIJING, SHANGHAI);
        assert!((d - 1067.0).abs() < 5.0, "{d}");
        assert!(distance_km(BEIJING, BEIJING).abs() < 1e-9);
        // Across the antimeridian.
        let d = distance_km((0.0, 179.5), (0.0, -179.5));
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }

    #[test]
    fn the_box_contains_every_point_of_the_circle() {
        for centre in [BEIJING, SHANGHAI, (0.0, 179.9), (-33.9, 151.2), (89.5, 0.0)] {
            let bbox = bounding_box(centre.0, centre.1, 50.0);
            for step in 0..360 {
                let bearing = f64::from(step).to_radians();
                let angular = 49.9 / EARTH_RADIUS_KM;
                let (lat1, lon1) = (centre.0.to_radians(), centre.1.to_radians());
                let lat2 = (lat1.sin() * angular.cos()
                    + lat1.cos() * angular.sin() * bearing.cos())
                .asin();
                let lon2 = lon1
                    + (bearing.sin() * angular.sin() * lat1.cos())
                        .atan2(angular.cos() - lat1.sin() * lat2.sin());
                let mut lon = lon2.to_degrees();
                if lon > 180.0 {
                    lon -= 360.0;
                } else if lon < -180.0 {
                    lon += 360.0;
                }
                let lat = lat2.to_degrees();
                assert!(
                    bbox.contains(lat, lon),
                    "{centre:?} {step}: {lat},{lon} {bbox:?}"
                );
            }
        }
        let far = bounding_box(BEIJING.0, BEIJING.1, 50.0);
        assert!(!far.contains(SHANGHAI.0, SHANGHAI.1));
        assert_eq!(bounding_box(0.0, 179.9, 50.0).lon_ranges.len(), 2);
        assert!(bounding_box(89.9, 0.0, 50.0).lon_ranges.is_empty());
    }
}
