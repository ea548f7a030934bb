//! Transactions, durability settings and URLs, on real SQLite databases.

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
