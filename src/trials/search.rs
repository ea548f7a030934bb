//! The search over published notices: every filter in SQL (`store::search_page`), recruiting
//! notices first and newest first by default; with `near`, candidates by bounding box in SQL
//! (`store::near_candidates`), then exact great-circle distances here, nearest site first.

use chrono::NaiveDate;

use super::filters::{self, Criteria};
use super::geo;
use super::model::{NearestSite, NoticeSummary, TrialSearchQuery};
use super::service::today;
use super::store::{self, ListKey};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Page};

/// Rows a distance search reads at most before computing exact distances.
const NEAR_CANDIDATES_MAX: i64 = 5_000;

fn invalid_cursor() -> ApiError {
    ApiError::BadRequest("the cursor is invalid; start from the first page".into())
}

/// `GET /trials`: published notices matching the filters; by distance with `near`, else
/// recruiting first and newest first.
pub async fn search(
    state: &AppState,
    query: TrialSearchQuery,
) -> Result<Page<NoticeSummary>, ApiError> {
    let criteria = Criteria::parse(&(&query).into(), "")?;
    let limit = pagination::limit(query.limit)?;
    let today = today();
    if let Some(near) = criteria.near {
        let after = match query.cursor.as_deref() {
            Some(c) => {
                let parts = pagination::decode(c, 2)?;
                let distance: f64 = parts[0].parse().map_err(|_| invalid_cursor())?;
                Some((distance, pagination::int(&parts[1])?))
            }
            None => None,
        };
        return search_near(state, criteria, near, today, after, limit).await;
    }
    let after = match query.cursor.as_deref() {
        Some(c) => {
            let parts = pagination::decode(c, 3)?;
            let rank = i32::try_from(pagination::int(&parts[0])?).map_err(|_| invalid_cursor())?;
            let published_at = chrono::DateTime::from_timestamp_micros(pagination::int(&parts[1])?)
                .ok_or_else(invalid_cursor)?
                .naive_utc();
            Some(ListKey {
                rank,
                published_at,
                id: pagination::int(&parts[2])?,
            })
        }
        None => None,
    };
    let rows = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(store::search_page(conn, &criteria, today, after, limit)?)
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| {
            let micros = r.published_at.map_or(0, |t| t.and_utc().timestamp_micros());
            pagination::encode(&[
                r.status_rank.to_string(),
                micros.to_string(),
                r.id.to_string(),
            ])
        },
        |r| NoticeSummary::from_row(r, today, None),
    ))
}

/// The distance search: candidates by bounding box in SQL, exact distances here, nearest
/// first (ties by id), keyset on (distance, id).
async fn search_near(
    state: &AppState,
    criteria: Criteria,
    near: filters::Near,
    today: NaiveDate,
    after: Option<(f64, i64)>,
    limit: i64,
) -> Result<Page<NoticeSummary>, ApiError> {
    let bbox = geo::bounding_box(near.lat, near.lon, near.radius_km);
    let rows = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(store::near_candidates(
                conn,
                &criteria,
                today,
                &bbox,
                NEAR_CANDIDATES_MAX,
            )?)
        })
        .await?;
    if rows.len() as i64 >= NEAR_CANDIDATES_MAX {
        tracing::warn!(
            "a distance search read {NEAR_CANDIDATES_MAX} candidate sites; results may be incomplete"
        );
    }
    let mut best: std::collections::HashMap<i64, (f64, store::NearRow)> = Default::default();
    for row in rows {
        let (Some(lat), Some(lon)) = (row.4, row.5) else {
            continue;
        };
        let d = geo::distance_km((near.lat, near.lon), (lat, lon));
        if d > near.radius_km {
            continue;
        }
        let id = row.0.id;
        if best.get(&id).is_none_or(|(old, _)| d < *old) {
            best.insert(id, (d, row));
        }
    }
    let mut found: Vec<(f64, store::NearRow)> = best.into_values().collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.0.id.cmp(&b.1.0.id)));
    if let Some((d0, id0)) = after {
        found.retain(|(d, r)| d.total_cmp(&d0).then(r.0.id.cmp(&id0)).is_gt());
    }
    found.truncate(limit as usize + 1);
    Ok(pagination::page(
        found,
        limit,
        |(d, r)| pagination::encode(&[format!("{d:?}"), r.0.id.to_string()]),
        |(d, (summary, facility, city, country, _, _))| {
            NoticeSummary::from_row(
                summary,
                today,
                Some(NearestSite {
                    facility,
                    city,
                    country,
                    distance_km: (d * 10.0).round() / 10.0,
                }),
            )
        },
    ))
}
