//! Storage: both backends end with the same schema, SQLite runs in WAL mode, and concurrent
//! writers queue instead of failing ("database is locked").

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use butterfly::db::{DatabaseUrl, migrate_connection};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use diesel::{PgConnection, QueryableByName, SqliteConnection, sql_query};

use crate::harness::database::required_postgres;
use crate::harness::{PASSWORD, TestApp, TestDatabase};

/// What must be equal on both backends, per table.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// Column name → NOT NULL.
    columns: BTreeMap<String, bool>,
    primary_key: Vec<String>,
    /// Indexes created by name (`CREATE INDEX`), by name.
    indexes: BTreeMap<String, Index>,
    /// Indexes behind `UNIQUE` constraints, whose names the backends choose, by columns.
    unique_constraints: BTreeSet<Vec<String>>,
}

#[derive(Debug, PartialEq, Eq)]
struct Index {
    unique: bool,
    partial: bool,
    columns: Vec<String>,
}

/// Tables by name, and the number of full-text indexes, which the backends build differently
/// (an FTS5 virtual table on SQLite, a GIN index on PostgreSQL) and are compared by count only.
/// PostgreSQL's stored `tsvector` columns (what a GIN index may cover) are part of that
/// full-text machinery and are left out of the columns.
#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Table>,
    full_text_indexes: usize,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Integer)]
    partial: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
    #[diesel(sql_type = Bool)]
    from_constraint: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Text)]
    columns: String,
}

fn sqlite_names(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    sql_query(sql)
        .load::<Name>(conn)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"))
        .into_iter()
        .map(|n| n.name)
        .collect()
}

fn pg_names(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    sql_query(sql)
        .load::<Name>(conn)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"))
        .into_iter()
        .map(|n| n.name)
        .collect()
}

fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    // Virtual tables (full-text search) and their shadow tables exist on SQLite only; PostgreSQL
    // indexes the same text with a GIN index on a column instead.
    let virtual_tables = sqlite_names(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    );
    let tables = sqlite_names(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' ORDER BY name",
    );
    let mut schema = Schema {
        full_text_indexes: virtual_tables.len(),
        ..Schema::default()
    };
    for table in tables {
        if virtual_tables
            .iter()
            .any(|v| table == *v || table.starts_with(&format!("{v}_")))
        {
            continue;
        }
        let mut description = Table::default();
        let columns = sql_query(format!(
            "SELECT name, \"notnull\" AS not_null, pk FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .load::<SqliteColumn>(conn)
        .expect("table info");
        let mut primary_key: Vec<(i32, String)> = Vec::new();
        for column in columns {
            // A primary key column is never NULL, whatever the pragma says of INTEGER keys.
            description
                .columns
                .insert(column.name.clone(), column.not_null != 0 || column.pk > 0);
            if column.pk > 0 {
                primary_key.push((column.pk, column.name));
            }
        }
        primary_key.sort();
        description.primary_key = primary_key.into_iter().map(|(_, name)| name).collect();

        let indexes = sql_query(format!(
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list('{table}')"
        ))
        .load::<SqliteIndex>(conn)
        .expect("index list");
        for index in indexes {
            let columns = sqlite_names(
                conn,
                &format!(
                    "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                    index.name
                ),
            );
            match index.origin.as_str() {
                "pk" => {}
                "u" => {
                    description.unique_constraints.insert(columns);
                }
                _ => {
                    description.indexes.insert(
                        index.name,
                        Index {
                            unique: index.is_unique != 0,
                            partial: index.partial != 0,
                            columns,
                        },
                    );
                }
            }
        }
        schema.tables.insert(table, description);
    }
    schema
}

fn pg_schema(conn: &mut PgConnection) -> Schema {
    let tables = pg_names(
        conn,
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '__diesel_schema_migrations' ORDER BY table_name",
    );
    let mut schema = Schema::default();
    for table in tables {
        let mut description = Table::default();
        let columns = sql_query(
            "SELECT column_name::text AS name, (is_nullable = 'NO') AS not_null \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 \
             AND data_type <> 'tsvector'",
        )
        .bind::<Text, _>(&table)
        .load::<PgColumn>(conn)
        .expect("columns");
        for column in columns {
            description.columns.insert(column.name, column.not_null);
        }
        schema.tables.insert(table, description);
    }
    let indexes = sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS name, \
                ix.indisunique AS is_unique, ix.indisprimary AS is_primary, \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) \
                    AS from_constraint, \
                (ix.indpred IS NOT NULL) AS partial, am.amname::text AS method, \
                array_to_string(ARRAY( \
                    SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                    ORDER BY k.ord), ',') AS columns \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_am am ON am.oid = i.relam \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
    )
    .load::<PgIndex>(conn)
    .expect("indexes");
    for index in indexes {
        if index.method == "gin" || index.method == "gist" {
            schema.full_text_indexes += 1;
            continue;
        }
        let Some(description) = schema.tables.get_mut(&index.table_name) else {
            continue;
        };
        let columns: Vec<String> = index.columns.split(',').map(str::to_owned).collect();
        if index.is_primary {
            description.primary_key = columns;
        } else if index.from_constraint {
            description.unique_constraints.insert(columns);
        } else {
            description.indexes.insert(
                index.name,
                Index {
                    unique: index.is_unique,
                    partial: index.partial,
                    columns,
                },
            );
        }
    }
    schema
}

fn applied_versions_sqlite(conn: &mut SqliteConnection) -> Vec<String> {
    sqlite_names(
        conn,
        "SELECT version AS name FROM __diesel_schema_migrations ORDER BY version",
    )
}

fn applied_versions_pg(conn: &mut PgConnection) -> Vec<String> {
    pg_names(
        conn,
        "SELECT version::text AS name FROM __diesel_schema_migrations ORDER BY version",
    )
}

#[actix_web::test]
async fn both_backends_end_with_the_same_schema() {
    let Some(admin_url) = required_postgres("both_backends_end_with_the_same_schema") else {
        return;
    };
    let sqlite = TestDatabase::empty_sqlite();
    let postgres = TestDatabase::empty_postgres(&admin_url);
    for database in [&sqlite, &postgres] {
        let url = DatabaseUrl::parse(database.url()).expect("a test URL parses");
        let mut conn = url.connect().expect("the test database opens");
        migrate_connection(&mut conn).expect("the migrations apply");
    }

    let sqlite_path = sqlite.sqlite_path().expect("a SQLite file");
    let mut sqlite_conn =
        SqliteConnection::establish(&sqlite_path.to_string_lossy()).expect("the SQLite file opens");
    let mut pg_conn =
        PgConnection::establish(postgres.url()).expect("the PostgreSQL database opens");

    assert_eq!(
        applied_versions_sqlite(&mut sqlite_conn),
        applied_versions_pg(&mut pg_conn),
        "both backends should apply the same migration versions"
    );
    let on_sqlite = sqlite_schema(&mut sqlite_conn);
    let on_postgres = pg_schema(&mut pg_conn);
    assert!(
        on_sqlite.tables.contains_key("users"),
        "no users table: {on_sqlite:#?}"
    );
    let sqlite_tables: Vec<&String> = on_sqlite.tables.keys().collect();
    let pg_tables: Vec<&String> = on_postgres.tables.keys().collect();
    assert_eq!(
        sqlite_tables, pg_tables,
        "the backends have different tables"
    );
    for (table, expected) in &on_sqlite.tables {
        assert_eq!(
            expected, &on_postgres.tables[table],
            "table {table} differs (left SQLite, right PostgreSQL)"
        );
    }
    assert_eq!(
        on_sqlite.full_text_indexes, on_postgres.full_text_indexes,
        "the backends have different numbers of full-text indexes \
         (FTS5 virtual tables on SQLite, GIN/GiST indexes on PostgreSQL)"
    );
}

#[actix_web::test]
async fn sqlite_databases_run_in_wal_mode() {
    let app = TestApp::builder()
        .database(Arc::new(TestDatabase::empty_sqlite()))
        .spawn()
        .await;
    let path = app.database.sqlite_path().expect("a SQLite database");
    app.get("/health/ready", None).await.expect(200);
    let mut conn =
        SqliteConnection::establish(&path.to_string_lossy()).expect("the SQLite file opens");
    conn.batch_execute("SELECT 1").expect("a query runs");
    let mode = sqlite_names(
        &mut conn,
        "SELECT journal_mode AS name FROM pragma_journal_mode",
    );
    assert_eq!(mode, ["wal"]);
}

#[actix_web::test]
async fn many_members_signing_up_at_once_all_succeed() {
    let app = Rc::new(TestApp::spawn().await);
    const MEMBERS: usize = 12;
    let mut tasks = Vec::new();
    for i in 0..MEMBERS {
        let app = app.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let email = format!("crowd{i}@example.test");
            let registered = app.register(&email, PASSWORD, &format!("Crowd_{i}")).await;
            let link = app.wait_for_email(&email).await.token();
            app.verify_email(&link).await.expect(200);
            let logged_in = app.login(&email, PASSWORD).await;
            (
                registered.status,
                logged_in.status,
                registered.body,
                logged_in.body,
            )
        }));
    }
    for task in tasks {
        let (registered, logged_in, register_body, login_body) =
            task.await.expect("the task finishes");
        assert_eq!(
            registered, 202,
            "a concurrent registration failed: {register_body}"
        );
        assert_eq!(logged_in, 200, "a concurrent login failed: {login_body}");
    }
}
