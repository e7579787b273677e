//! Tests' helper: one engine test on each store.

/// Runs a test on a SQLite store, then on a PostgreSQL database where the tests have a cluster
/// (said skipped otherwise, and failed where `WABOX_REQUIRE_PG` is set, as in CI).
pub(crate) async fn on_each_store<F, Fut>(test: F)
where
    F: Fn(Option<String>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test(None).await;
    if let Some(database) = wabox_store::testing::postgres_database() {
        test(Some(database.url.clone())).await;
    }
}
