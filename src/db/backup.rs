//! `butterfly backup <file>`: a consistent copy of a live SQLite database, taken with
//! `VACUUM INTO` while the server keeps serving (readers and the writer are not stopped; the
//! copy is one read transaction's snapshot). PostgreSQL is backed up with its own tools
//! (`pg_dump -Fc`), which the README explains.

use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::{AnyConnection, DatabaseUrl};

/// Why no backup was written; each message is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "`butterfly backup` copies SQLite databases only; back up PostgreSQL with `pg_dump -Fc` and restore with `pg_restore` (see the README)"
    )]
    Postgres,
    #[error("{0} exists already; choose a new file name, a backup never overwrites")]
    Exists(PathBuf),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("the backup file name {0} cannot be used: it must be valid UTF-8 without NUL")]
    BadName(PathBuf),
    #[error("the backup failed: {0}")]
    Failed(String),
}

impl BackupError {
    /// Whether the operator asked for something impossible (exit status 2) rather than the
    /// copy failing (status 1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, Self::Failed(_))
    }
}

/// Copies the database at `url` into the new file `target` and returns its size in bytes.
pub fn backup(url: &DatabaseUrl, target: &Path) -> Result<u64, BackupError> {
    let source = match url {
        DatabaseUrl::Postgres(_) => return Err(BackupError::Postgres),
        DatabaseUrl::Sqlite(path) => path,
    };
    if !source.is_file() {
        // Connecting would create an empty database; refuse instead.
        return Err(BackupError::NoDatabase(source.clone()));
    }
    if target.exists() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    let name = target
        .to_str()
        .filter(|name| !name.is_empty() && !name.contains('\0'))
        .ok_or_else(|| BackupError::BadName(target.to_path_buf()))?;
    let mut conn = url
        .connect()
        .map_err(|e| BackupError::Failed(e.to_string()))?;
    let AnyConnection::Sqlite(conn) = &mut conn else {
        return Err(BackupError::Postgres);
    };
    // The file name is bound as a parameter, never spliced into the SQL.
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(name)
        .execute(conn)
        .map_err(|e| BackupError::Failed(e.to_string()))?;
    std::fs::metadata(target)
        .map(|m| m.len())
        .map_err(|e| BackupError::Failed(format!("the copy cannot be read back: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_refused_with_a_pointer_to_pg_dump() {
        let url = DatabaseUrl::parse("postgres://localhost/butterfly").expect("parses");
        let err = backup(&url, Path::new("copy.db")).expect_err("refused");
        assert!(err.is_usage());
        assert!(err.to_string().contains("pg_dump"));
    }

    #[test]
    fn copies_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("a folder");
        let source = dir.path().join("it's a test.db");
        let url = DatabaseUrl::Sqlite(source.clone());
        let mut conn = url.connect().expect("opens");
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept');",
        )
        .expect("writes");
        let target = dir.path().join("copy 'quoted'.db");
        let size = backup(&url, &target).expect("copied");
        assert!(size > 0);
        let again = backup(&url, &target).expect_err("refused");
        assert!(matches!(again, BackupError::Exists(_)));
        let missing = DatabaseUrl::Sqlite(dir.path().join("missing.db"));
        assert!(matches!(
            backup(&missing, &dir.path().join("other.db")),
            Err(BackupError::NoDatabase(_))
        ));
    }
}
