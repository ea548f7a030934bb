//! A fresh database for every test: a temporary SQLite file by default, or, when
//! `BUTTERFLY_TEST_POSTGRES_URL` is set, a PostgreSQL database copied from a migrated template and
//! dropped again when the last app using it is gone.
//!
//! The template is built once per run and named after a hash of the PostgreSQL migrations and
//! the seed sources (`butterfly_tpl_<hash>`), so concurrent runs share it and a changed
//! migration or seed gets a new one.
//! It is built under a temporary name and renamed when complete, so nobody ever copies a
//! half-migrated template.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use butterfly::db::DatabaseUrl;
use butterfly::server::seeds::migrate_connection_with_seeds as migrate_connection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{PgConnection, QueryableByName, sql_query};
use sha2::{Digest, Sha256};

/// Environment variable naming a PostgreSQL server (any database on it) where tests may create
/// and drop databases.
pub const POSTGRES_ENV: &str = "BUTTERFLY_TEST_POSTGRES_URL";

/// Environment variable choosing the backend the suite runs on: `sqlite` or `postgres`. By
/// default PostgreSQL when [`POSTGRES_ENV`] is set, else SQLite. (CI sets both, so that the
/// tests that need PostgreSQL whatever the backend still reach it during the SQLite run.)
pub const BACKEND_ENV: &str = "BUTTERFLY_TEST_BACKEND";

/// The PostgreSQL server to test on, if one is configured.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty())
}

/// Whether this run tests on PostgreSQL (see [`BACKEND_ENV`]).
fn runs_on_postgres() -> bool {
    match std::env::var(BACKEND_ENV).as_deref().map(str::trim) {
        Ok("sqlite") => false,
        Ok("postgres") => true,
        Ok(other) => panic!("{BACKEND_ENV} must be `sqlite` or `postgres`, not `{other}`"),
        Err(_) => postgres_admin_url().is_some(),
    }
}

/// Whether the tests run in continuous integration (`CI` set), where every test must run: a
/// missing dependency fails the test instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The PostgreSQL server a test needs whatever backend the run tests. Outside CI, without one
/// the test says why it does not run and returns early; in CI that fails it.
pub fn required_postgres(test: &str) -> Option<String> {
    let url = postgres_admin_url();
    if url.is_none() {
        let message = format!("{test} needs PostgreSQL: set {POSTGRES_ENV}");
        assert!(!in_ci(), "{message} (CI is set, so it may not be skipped)");
        eprintln!("SKIPPED {message}");
    }
    url
}

/// The answer to `SELECT CAST(COUNT(*) AS BIGINT) AS n …`.
#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// One database, owned by a test.
pub struct TestDatabase {
    url: String,
    kind: Kind,
}

enum Kind {
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database someone else owns (a fault test's own cluster); never dropped here.
    External,
}

impl TestDatabase {
    /// A migrated database on the backend this run tests (see [`BACKEND_ENV`]); the SQLite file
    /// is migrated by the server at start.
    pub fn create() -> Self {
        if runs_on_postgres() {
            let admin_url = postgres_admin_url()
                .unwrap_or_else(|| panic!("{BACKEND_ENV}=postgres needs {POSTGRES_ENV}"));
            Self::postgres_from_template(&admin_url)
        } else {
            Self::empty_sqlite()
        }
    }

    /// A database at this URL that the caller owns and cleans up.
    pub fn external(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            kind: Kind::External,
        }
    }

    /// A SQLite file that does not exist yet, in its own temporary folder.
    pub fn empty_sqlite() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("butterfly-db-")
            .tempdir()
            .expect("cannot create a temporary folder for the SQLite database");
        let path = dir.path().join("butterfly.db");
        Self {
            url: format!("sqlite://{}", path.display()),
            kind: Kind::Sqlite { path, _dir: dir },
        }
    }

    /// An empty PostgreSQL database (no migrations applied).
    pub fn empty_postgres(admin_url: &str) -> Self {
        let name = format!("butterfly_test_{}", random_suffix());
        let mut admin = admin_connection(admin_url);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        Self::postgres(admin_url, name)
    }

    /// A PostgreSQL database copied from the migrated template.
    pub fn postgres_from_template(admin_url: &str) -> Self {
        let template = template_database(admin_url);
        let name = format!("butterfly_test_{}", random_suffix());
        let mut admin = admin_connection(admin_url);
        let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
        let mut attempts = 0;
        loop {
            match admin.batch_execute(&sql) {
                Ok(()) => break,
                // Someone (a concurrent run building or checking the template) is connected.
                Err(e) if attempts < 100 && e.to_string().contains("being accessed") => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot create the test database {name} from {template}: {e}"),
            }
        }
        Self::postgres(admin_url, name)
    }

    fn postgres(admin_url: &str, name: String) -> Self {
        Self {
            url: url_with_database(admin_url, &name),
            kind: Kind::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// The URL the server (or the CLI) connects with.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }

    /// The SQLite file, when this is a SQLite database.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.kind {
            Kind::Sqlite { path, .. } => Some(path),
            Kind::Postgres { .. } | Kind::External => None,
        }
    }
}

impl TestDatabase {
    /// Drops a PostgreSQL database at once, cutting off whoever is connected (to see how a
    /// server copes with losing its database). Does nothing on SQLite.
    pub fn drop_now(&self) {
        if let Err(e) = self.drop_postgres() {
            panic!("cannot drop the test database: {e}");
        }
    }

    fn drop_postgres(&self) -> Result<(), String> {
        let Kind::Postgres { admin_url, name } = &self.kind else {
            return Ok(());
        };
        let mut admin = PgConnection::establish(admin_url).map_err(|e| e.to_string())?;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .map_err(|e| format!("{name}: {e}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Never panic here: a panic while a failing test unwinds aborts the whole run.
        if let Err(e) = self.drop_postgres() {
            eprintln!("warning: a test database was not dropped: {e}");
        }
    }
}

fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|e| {
        panic!(
            "cannot connect to {POSTGRES_ENV} ({}): {e}",
            redacted(admin_url)
        )
    })
}

fn redacted(url: &str) -> String {
    butterfly::config::redact_url(url)
}

/// The admin URL with its database replaced by `name`.
fn url_with_database(admin_url: &str, name: &str) -> String {
    let mut url =
        url::Url::parse(admin_url).unwrap_or_else(|e| panic!("{POSTGRES_ENV} is not a URL: {e}"));
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Name of the migrated template database, building it if no run has yet.
fn template_database(admin_url: &str) -> String {
    static TEMPLATE: Mutex<Option<String>> = Mutex::new(None);
    let mut known = TEMPLATE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(name) = known.as_ref() {
        return name.clone();
    }
    let name = format!("butterfly_tpl_{}", migrations_hash());
    let mut admin = admin_connection(admin_url);
    if !database_exists(&mut admin, &name) {
        let staging = format!("{name}_new_{}", &random_suffix()[..8]);
        admin
            .batch_execute(&format!("CREATE DATABASE {staging}"))
            .unwrap_or_else(|e| panic!("cannot create the template database {staging}: {e}"));
        {
            let url = DatabaseUrl::parse(&url_with_database(admin_url, &staging))
                .expect("the template URL parses");
            let mut conn = url.connect().expect("cannot connect to the new template");
            migrate_connection(&mut conn).expect("the PostgreSQL migrations fail");
        }
        let renamed = admin.batch_execute(&format!("ALTER DATABASE {staging} RENAME TO {name}"));
        if let Err(e) = renamed {
            // A concurrent run finished its template first: use that one, discard ours.
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {staging} WITH (FORCE)"));
            assert!(
                database_exists(&mut admin, &name),
                "cannot rename the template database {staging} to {name}: {e}"
            );
        } else {
            drop_stale_templates(&mut admin, &name);
        }
    }
    *known = Some(name.clone());
    name
}

#[derive(QueryableByName)]
struct Datname {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// Templates kept besides the current one: concurrent runs of other checkouts (with other
/// migrations) may be using the newest of them.
const KEPT_TEMPLATES: i64 = 8;

/// Templates of older migrations, left by earlier runs, but for the newest few (by OID). Dropped
/// without force, so that one a concurrent run is copying right now stays (the drop fails and is
/// ignored).
fn drop_stale_templates(admin: &mut PgConnection, current: &str) {
    let stale = sql_query(
        "SELECT datname::text AS datname FROM pg_database \
         WHERE datname LIKE 'butterfly\\_tpl\\_%' AND datname <> $1 \
         ORDER BY oid DESC OFFSET $2",
    )
    .bind::<Text, _>(current)
    .bind::<diesel::sql_types::BigInt, _>(KEPT_TEMPLATES)
    .load::<Datname>(admin)
    .unwrap_or_default();
    for database in stale {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", database.datname));
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Integer)]
    found: i32,
}

fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    sql_query("SELECT 1 AS found FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<Found>(admin)
        .optional()
        .expect("cannot list databases")
        .is_some_and(|row| row.found == 1)
}

/// Source files of the seed data written with the migrations: a change to them needs a new
/// template too.
const SEED_SOURCES: &[&str] = &[
    "src/server/seeds.rs",
    "src/filters/mod.rs",
    "src/auth/names.rs",
];

/// SHA-256 over the PostgreSQL migrations and the seed sources (paths and contents),
/// shortened.
fn migrations_hash() -> String {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("migrations/postgres");
    let mut files = Vec::new();
    collect_files(&root, &mut files);
    files.sort();
    files.extend(SEED_SOURCES.iter().map(|f| manifest.join(f)));
    let mut hasher = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(manifest).unwrap_or(&file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).expect("cannot read a migration file"));
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the migrations in {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("cannot read a migrations folder entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
