//! Walking a list to its end: every list answers `{ "items": [...], "next_cursor": ... }`.

use serde_json::Value;

use super::TestApp;
use super::json::{encode, items};

impl TestApp {
    /// Every item of a list as `token` sees it, `limit` a page, following `next_cursor` to the
    /// last page (`path` may already have a query).
    pub async fn all_pages(&self, path: &str, token: Option<&str>, limit: u32) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1_000 {
            let mut page_path = format!("{path}{separator}limit={limit}");
            if let Some(cursor) = &cursor {
                page_path.push_str(&format!("&cursor={}", encode(cursor)));
            }
            let page = self.get(&page_path, token).await.expect(200);
            all.extend(items(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
        panic!("{path} never reached its last page");
    }
}
