//! The search over published notices: every filter in SQL (`store::search_page`), recruiting
//! notices first and newest first by default; with `near`, candidates by bounding box in SQL
//! (`store::near_candidates`), then exact great-circle distances here, nearest site first.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::filters::{self, Criteria};
use super::geo;
use super::model::{NearestSite, NoticeSummary, TrialSearchQuery};
use super::service::today;
use super::store::{self, ListKey};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, Page};

/// Rows a distance search reads at most before computing exact distances.
const NEAR_CANDIDATES_MAX: i64 = 5_000;

/// The position in a distance search: (distance in km, id) of the last notice seen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NearCursor {
    distance_km: f64,
    id: i64,
}

impl Cursor for NearCursor {}

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
        let after = query
            .cursor
            .as_deref()
            .map(NearCursor::decode)
            .transpose()?;
        return search_near(state, criteria, near, today, after, limit).await;
    }
    let after = query.cursor.as_deref().map(ListKey::decode).transpose()?;
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
            ListKey {
                rank: r.status_rank,
                published_at: r.published_at.unwrap_or_default(),
                id: r.id,
            }
            .encode()
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
    after: Option<NearCursor>,
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
    if let Some(NearCursor {
        distance_km: d0,
        id: id0,
    }) = after
    {
        found.retain(|(d, r)| d.total_cmp(&d0).then(r.0.id.cmp(&id0)).is_gt());
    }
    found.truncate(limit as usize + 1);
    Ok(pagination::page(
        found,
        limit,
        |(d, r)| {
            NearCursor {
                distance_km: *d,
                id: r.0.id,
            }
            .encode()
        },
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
