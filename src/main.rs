//! The `butterfly` command: `serve` (default), `migrate`, `backup`, `seed`, `admin`, `outbox` and
//! `trials` tasks. A bad setting
//! ends the process with status 2 and one sentence on standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use butterfly::accounts::service;
use butterfly::auth::model::Role;
use butterfly::config::Settings;
use butterfly::db::{ConnectOptions, DatabaseUrl, Db, DbError};
use butterfly::http::error::ApiError;
use butterfly::server::Application;
use clap::{Parser, Subcommand};

/// `println!` that never panics: when standard output is closed or its disk is full, the line
/// is lost and nothing else happens.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(name = "butterfly", version, about = "Butterfly community API server")]
struct Cli {
    /// Configuration file (default: ./butterfly.toml when it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Account administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The email outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Clinical-trial notices.
    #[command(subcommand)]
    Trials(TrialsCommand),
    /// Copy the live SQLite database into a new file (`VACUUM INTO`), while the server keeps
    /// running. For PostgreSQL use `pg_dump -Fc` (see the README).
    Backup {
        /// The new file; an existing one is never overwritten.
        file: PathBuf,
    },
    /// Add data to the database, on an empty database only. `--demo`: demo accounts, example
    /// threads and lupus trial notices, clearly marked. `--scale N`: deterministic benchmark data
    /// (1.0 = 10k users, 100k threads, 1M posts, 2,000 trial notices; every account's password
    /// is `butterfly::forum::seed::SEED_PASSWORD`).
    Seed {
        #[arg(long, conflicts_with = "scale")]
        demo: bool,
        #[arg(long)]
        scale: Option<f64>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an active, verified account. The password comes from BUTTERFLY_ADMIN_PASSWORD or
    /// a prompt.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        #[arg(long, default_value = "member", value_parser = ["admin", "moderator", "coordinator", "member"])]
        role: String,
    },
    /// Change the role of an account.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "moderator", "coordinator", "member"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Send every dead message again (they were retried for the whole retry window and gave
    /// up, for example during a long mail outage): each becomes pending, due now, with a fresh
    /// count of attempts. A running server picks them up at its next poll.
    RequeueDead,
}

#[derive(Subcommand)]
enum TrialsCommand {
    /// Read the ClinicalTrials.gov record of every open imported notice once (from
    /// `trial_sync.registry_url`) and apply what changed: recruitment status, sites,
    /// eligibility, dates, contact; a completed, terminated or withdrawn trial closes its
    /// notice. Prints what it did; exits with status 1 when a record could not be synced.
    Sync,
}

/// A failure to report: its exit status and one sentence.
struct Failure(u8, String);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Validation(errors) => Failure(
                2,
                errors
                    .iter()
                    .map(|(field, message)| format!("{field} {message}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => Failure(1, other.to_string()),
        }
    }
}

/// Makes glibc return large allocations to the system when they are freed. Each password hash
/// allocates 19 MiB; with glibc's default, the first such free raises the mmap threshold and
/// later hashes come from per-thread heaps that keep the memory, so a flood of logins left the
/// server at 0.5–1 GB (perf/BENCHMARKS.md). A fixed threshold keeps them mmapped.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations() {
    // SAFETY: mallopt only sets an allocator parameter; called once, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations() {}

fn main() -> ExitCode {
    return_large_allocations();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "butterfly: {message}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let settings = Settings::load(cli.config.as_deref()).map_err(|e| Failure(2, e.0))?;
    let _log = butterfly::telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => {
            open_db(&settings)?;
            say!("migrations applied");
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            email,
            display_name,
            role,
        }) => {
            let role = Role::parse(&role).unwrap_or(Role::Member);
            let password = match std::env::var("BUTTERFLY_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("Password for the new account: ")
                    .map_err(|e| Failure(2, format!("cannot read the password: {e}")))?,
            };
            let db = open_db(&settings)?;
            let id = service::create_user_blocking(&db, &email, &display_name, &password, role)?;
            say!("created {} account {id} for {email}", role.as_str());
            Ok(())
        }
        Command::Seed { demo, scale } => match scale {
            Some(scale) => seed_scale(&settings, scale),
            None => seed(settings, demo),
        },
        Command::Backup { file } => backup(&settings, &file),
        Command::Outbox(OutboxCommand::RequeueDead) => {
            let db = open_db(&settings)?;
            let requeued = db.write_blocking(|conn| {
                butterfly::notify::outbox::requeue_dead(conn).map_err(DbError::from)
            });
            let requeued = requeued.map_err(|e| Failure(1, e.to_string()))?;
            say!("{requeued} dead message(s) requeued");
            Ok(())
        }
        Command::Trials(TrialsCommand::Sync) => sync_trials(settings),
        Command::Admin(AdminCommand::SetRole { email, role }) => {
            let role = Role::parse(&role).unwrap_or(Role::Member);
            let db = open_db(&settings)?;
            service::set_role_blocking(&db, &email, role)?;
            say!("{email} is now {}", role.as_str());
            Ok(())
        }
    }
}

fn open_db(settings: &Settings) -> Result<Db, Failure> {
    let url = DatabaseUrl::parse(settings.database_url().expose())
        .map_err(|e| Failure(2, e.to_string()))?;
    let options = ConnectOptions {
        sqlite_synchronous: settings.database_sqlite_synchronous,
    };
    let db = Db::connect_on_demand_with(&url, 1, options).map_err(|e| Failure(2, e.to_string()))?;
    db.migrate().map_err(|e| Failure(2, e.to_string()))?;
    Ok(db)
}

fn backup(settings: &Settings, file: &std::path::Path) -> Result<(), Failure> {
    let url = DatabaseUrl::parse(settings.database_url().expose())
        .map_err(|e| Failure(2, e.to_string()))?;
    let bytes = butterfly::db::backup::backup(&url, file)
        .map_err(|e| Failure(if e.is_usage() { 2 } else { 1 }, e.to_string()))?;
    say!("backup written to {} ({bytes} bytes)", file.display());
    Ok(())
}

fn seed(settings: Settings, demo: bool) -> Result<(), Failure> {
    if !demo {
        return Err(Failure(
            2,
            "say what to add: `butterfly seed --demo` adds demo data to an empty database".into(),
        ));
    }
    let db = open_db(&settings)?;
    let state = butterfly::app::AppState::new(settings, db).map_err(|e| Failure(2, e.0))?;
    let report = actix_web::rt::System::new()
        .block_on(async move { butterfly::server::demo::seed_demo(&state).await })?;
    say!(
        "demo data added: {} accounts, {} threads, {} trial notices",
        report.accounts.len(),
        report.threads,
        report.notices
    );
    for (email, name, role) in &report.accounts {
        say!("  {} account {name} <{email}>", role.as_str());
    }
    say!("  password of every demo account: {}", report.password);
    Ok(())
}

fn sync_trials(settings: Settings) -> Result<(), Failure> {
    let db = open_db(&settings)?;
    let state = butterfly::app::AppState::new(settings, db).map_err(|e| Failure(2, e.0))?;
    let summary = actix_web::rt::System::new()
        .block_on(async move { butterfly::trials::sync::run(&state).await })?;
    say!("trial registry sync: {summary}");
    if summary.failed > 0 {
        return Err(Failure(
            1,
            format!(
                "{} notice(s) could not be synced with their registry record (see the log)",
                summary.failed
            ),
        ));
    }
    Ok(())
}

fn seed_scale(settings: &Settings, scale: f64) -> Result<(), Failure> {
    use butterfly::forum::seed;
    let db = open_db(settings)?;
    // One hash, reused by every seeded account (see the module docs of `forum::seed`).
    let hash = butterfly::auth::password::hash_blocking(seed::SEED_PASSWORD)?;
    let report = butterfly::server::benchmark::seed(&db, scale, &hash, |line| say!("seed: {line}"))
        .map_err(|e| match e {
            seed::SeedError::Scale | seed::SeedError::NotEmpty(..) => Failure(2, e.to_string()),
            other => Failure(1, other.to_string()),
        })?;
    say!(
        "seeded: {} users, {} threads, {} posts, {} reactions, {} tags; password of every account: {}; {} trial notices, {} notifications, {} flagged posts",
        report.users,
        report.threads,
        report.posts,
        report.reactions,
        report.tags,
        seed::SEED_PASSWORD,
        report.notices,
        report.notifications,
        report.flagged_posts
    );
    Ok(())
}

fn serve(settings: Settings) -> Result<(), Failure> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .map_err(|e| Failure(2, e.to_string()))?;
        app.run_until_stopped()
            .await
            .map_err(|e| Failure(1, format!("the server stopped with an error: {e}")))
    })
}
