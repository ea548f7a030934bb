//! Reading the Prometheus metrics at `/metrics`, as an operator on the server does.

use super::TestApp;

/// The value of one series (`name` or `name{labels}`) in a metrics text, if it is there.
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

impl TestApp {
    /// The value of one series now (fails the test when the server does not report it).
    pub async fn metric(&self, series: &str) -> f64 {
        let metrics = self.get("/metrics", None).await;
        assert_eq!(metrics.status, 200, "{}", metrics.body);
        sample(&metrics.body, series)
            .unwrap_or_else(|| panic!("no {series} in the metrics:\n{}", metrics.body))
    }
}
