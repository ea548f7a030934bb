//! Errors of the storage layer, and which of them are outages rather than bugs: a database that
//! cannot be reached (refused, closed, restarting, busy past its timeout) or a disk that is
//! full. Callers map those to 503 and 507 instead of 500.

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Url(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("database migrations failed: {0}")]
    Migrate(String),
    #[error("no database connection became free in time")]
    PoolTimeout,
    /// The database cannot be reached, or dropped the connection.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The disk under the database has no room left.
    #[error("the database's disk is full: {0}")]
    StorageFull(String),
    #[error("database error: {0}")]
    Query(diesel::result::Error),
    #[error("a database task was cancelled")]
    Cancelled,
}

/// An outage, as opposed to a bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// Try again in a moment (unreachable, restarting, busy).
    Unavailable,
    /// Nothing can be written until someone frees disk space.
    StorageFull,
}

impl DbError {
    /// Whether this error is an outage, and which.
    pub fn outage(&self) -> Option<Outage> {
        match self {
            Self::PoolTimeout | Self::Unavailable(_) | Self::Connect(_) => {
                Some(Outage::Unavailable)
            }
            Self::StorageFull(_) => Some(Outage::StorageFull),
            Self::Query(e) => outage_of(e),
            Self::Url(_) | Self::Migrate(_) | Self::Cancelled => None,
        }
    }
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        match outage_of(&e) {
            Some(Outage::Unavailable) => Self::Unavailable(e.to_string()),
            Some(Outage::StorageFull) => Self::StorageFull(e.to_string()),
            None => Self::Query(e),
        }
    }
}

/// Messages of the two backends that mean the disk is full: SQLite's SQLITE_FULL, PostgreSQL's
/// `disk_full` (53100) and the operating system's ENOSPC.
const FULL: &[&str] = &[
    "database or disk is full",
    "no space left on device",
    "could not extend file",
    "disk quota exceeded",
];

/// Messages that mean the database is not there (for now): a dropped or refused connection, a
/// server starting up or shutting down, SQLite's I/O errors and locks that outlived the busy
/// timeout.
const UNAVAILABLE: &[&str] = &[
    "server closed the connection",
    "terminating connection",
    "no connection to the server",
    "connection to server",
    "could not connect",
    "connection refused",
    "the database system is",
    "could not receive data from server",
    "could not send data to server",
    "ssl connection has been closed",
    "disk i/o error",
    "database is locked",
    "database table is locked",
];

/// Classifies a query error.
pub fn outage_of(e: &diesel::result::Error) -> Option<Outage> {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Some(Outage::Unavailable),
        Error::DatabaseError(_, info) => outage_of_message(info.message()),
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => outage_of(commit_error).or_else(|| outage_of(rollback_error)),
        _ => None,
    }
}

fn outage_of_message(message: &str) -> Option<Outage> {
    let message = message.to_lowercase();
    if FULL.iter().any(|m| message.contains(m)) {
        Some(Outage::StorageFull)
    } else if UNAVAILABLE.iter().any(|m| message.contains(m)) {
        Some(Outage::Unavailable)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disks_and_lost_connections_are_outages_and_constraint_errors_are_not() {
        assert_eq!(
            outage_of_message("database or disk is full"),
            Some(Outage::StorageFull)
        );
        assert_eq!(
            outage_of_message("could not extend file \"base/16384/2619\": No space left on device"),
            Some(Outage::StorageFull)
        );
        assert_eq!(
            outage_of_message(
                "server closed the connection unexpectedly\n\tThis probably means the server \
                 terminated abnormally"
            ),
            Some(Outage::Unavailable)
        );
        assert_eq!(
            outage_of_message("terminating connection due to administrator command"),
            Some(Outage::Unavailable)
        );
        assert_eq!(
            outage_of_message("UNIQUE constraint failed: users.email_lower"),
            None
        );
        assert_eq!(
            DbError::from(diesel::result::Error::NotFound).outage(),
            None,
            "not found is an answer, not an outage"
        );
        assert_eq!(DbError::PoolTimeout.outage(), Some(Outage::Unavailable));
    }
}
