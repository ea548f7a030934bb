//! Transactions, durability settings, URLs and plan settings, on real SQLite databases (and
//! PostgreSQL where `BUTTERFLY_TEST_POSTGRES_URL` names a server).

use std::path::Path;

use super::*;

fn sqlite(dir: &Path, options: ConnectOptions) -> Db {
    let db = Db::connect_with(&DatabaseUrl::Sqlite(dir.join("test.db")), 2, options).unwrap();
    db.migrate().unwrap();
    db
}

#[test]
fn a_commit_that_fails_leaves_no_transaction_open_for_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path(), ConnectOptions::default());
    // A deferred foreign key fails at COMMIT, and SQLite keeps the transaction open then.
    let failed = db.write_blocking(|conn| {
        conn.batch_execute(
            "PRAGMA defer_foreign_keys = ON; \
             INSERT INTO thread_tags (thread_id, tag) VALUES (424242, 'orphan');",
        )
        .map_err(DbError::from)
    });
    assert!(
        matches!(&failed, Err(DbError::Query(e)) if e.to_string().contains("FOREIGN KEY")),
        "{failed:?}"
    );
    // The single writer connection is usable again, and nothing of the failed write stayed.
    for _ in 0..2 {
        db.write_blocking(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
            .expect("the next write transaction begins");
    }
    let orphans: i64 = db
        .read_blocking(|conn| {
            schema::thread_tags::table
                .count()
                .get_result(conn)
                .map_err(DbError::from)
        })
        .unwrap();
    assert_eq!(orphans, 0);
}

#[derive(QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    synchronous: i32,
}

fn synchronous_of(db: &Db) -> i32 {
    db.read_blocking(|conn| {
        diesel::sql_query("PRAGMA synchronous")
            .get_result::<Synchronous>(conn)
            .map_err(DbError::from)
    })
    .unwrap()
    .synchronous
}

#[test]
fn sqlite_durability_is_normal_unless_full_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        synchronous_of(&sqlite(dir.path(), ConnectOptions::default())),
        1
    );
    let full = ConnectOptions {
        sqlite_synchronous: SqliteSynchronous::Full,
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(synchronous_of(&sqlite(dir.path(), full)), 2);
}

#[test]
fn postgresql_urls_get_a_connect_timeout_unless_they_set_one() {
    assert_eq!(
        with_connect_timeout("postgres://u@db:5432/app"),
        "postgres://u@db:5432/app?connect_timeout=5"
    );
    assert_eq!(
        with_connect_timeout("postgres://u@db/app?sslmode=require&connect_timeout=2"),
        "postgres://u@db/app?sslmode=require&connect_timeout=2"
    );
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

fn plan_cache_mode(conn: &mut AnyConnection) -> QueryResult<String> {
    diesel::sql_query("SELECT current_setting('plan_cache_mode') AS value")
        .get_result::<Setting>(conn)
        .map(|s| s.value)
}

#[test]
fn the_generic_plan_is_asked_for_inside_the_read_only_and_a_failed_read_is_rolled_back() {
    let Ok(url) = std::env::var("BUTTERFLY_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "BUTTERFLY_TEST_POSTGRES_URL must be set under CI"
        );
        eprintln!("BUTTERFLY_TEST_POSTGRES_URL is not set: PostgreSQL plan test skipped");
        return;
    };
    // One connection, so every step below runs on the same session.
    let db = Db::connect(&DatabaseUrl::Postgres(url), 1).unwrap();
    db.read_blocking(|conn| {
        let before = plan_cache_mode(conn)?;
        let inside = with_generic_plan(conn, plan_cache_mode)?;
        assert_eq!(inside, "force_generic_plan");
        assert_eq!(
            plan_cache_mode(conn)?,
            before,
            "the setting outlived its read"
        );

        let failed: QueryResult<()> = with_generic_plan(conn, |conn| {
            plan_cache_mode(conn)?;
            Err(diesel::result::Error::NotFound)
        });
        assert!(matches!(failed, Err(diesel::result::Error::NotFound)));
        assert_eq!(plan_cache_mode(conn)?, before);
        // No transaction was left open: a new one begins and commits.
        assert_eq!(
            with_generic_plan(conn, plan_cache_mode)?,
            "force_generic_plan"
        );
        Ok::<_, DbError>(())
    })
    .unwrap();
}

#[test]
fn on_sqlite_a_read_with_the_generic_plan_just_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path(), ConnectOptions::default());
    let value: i64 = db
        .read_blocking(|conn| {
            with_generic_plan(conn, |conn| {
                diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("41 + 1"))
                    .get_result(conn)
            })
            .map_err(DbError::from)
        })
        .unwrap();
    assert_eq!(value, 42);
}
