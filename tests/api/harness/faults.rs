//! What the fault stories need beyond a test server: a PostgreSQL cluster of the test's own that
//! can be stopped and started (`initdb` and `pg_ctl` in a temporary folder, on a free port, as a
//! non-root user), and a small filesystem that can be filled up (a tmpfs, which needs root).
//!
//! A missing prerequisite skips the story with a note on a developer's machine, but fails it
//! under CI (`CI` set), so that a fault test can never pass there without running.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::database::in_ci;

/// The prerequisite when it is there; otherwise skips the story (developer machine, `None`) or
/// fails it (CI).
#[track_caller]
pub fn require<T>(what: &str, available: Result<T, String>) -> Option<T> {
    match available {
        Ok(found) => Some(found),
        Err(why) if in_ci() => panic!("{what} is required under CI: {why}"),
        Err(why) => {
            eprintln!("note: skipping {what}: {why}");
            None
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn run(command: &mut Command) -> Result<Output, String> {
    let shown = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{shown} failed with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The folder holding `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`, else the `PATH`.
fn postgres_bindir() -> Result<PathBuf, String> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|dir| has_tools(dir))
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|dir| {
        dir.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(dir) = versions.pop() {
        return Ok(dir);
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| has_tools(dir)))
        .ok_or_else(|| "initdb and pg_ctl are not installed (package postgresql)".into())
}

/// A PostgreSQL cluster owned by one test, listening on 127.0.0.1 on a port of its own; stopped
/// and removed on drop.
pub struct PgCluster {
    bindir: PathBuf,
    data: PathBuf,
    port: u16,
    /// Set when the tools run as another user (we are root; initdb refuses root).
    run_as: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl PgCluster {
    /// Creates and starts a cluster, or says why it cannot.
    pub fn start() -> Result<Self, String> {
        let bindir = postgres_bindir()?;
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("butterfly-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        if let Some(user) = run_as {
            run(Command::new("chown").args([user, &dir.path().to_string_lossy()]))?;
        }
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            listener.local_addr().map_err(|e| e.to_string())?.port()
        };
        let cluster = Self {
            bindir,
            data,
            port,
            run_as,
            _dir: dir,
        };
        let data = cluster.data.to_string_lossy().into_owned();
        run(&mut cluster.tool(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        ))?;
        cluster.up()?;
        Ok(cluster)
    }

    /// A tool of the cluster's PostgreSQL, run as the cluster's owner.
    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let program = self.bindir.join(name);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        command.args(args).current_dir(self._dir.path());
        command
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&self) -> Result<(), String> {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' -c fsync=off",
            self.port,
            self._dir.path().display()
        );
        let log = self._dir.path().join("server.log");
        run(&mut self.tool(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        ))
        .map(|_| ())
    }

    /// Stops the server (`fast`: every client is disconnected at once).
    pub fn down(&self) -> Result<(), String> {
        let data = self.data.to_string_lossy().into_owned();
        run(&mut self.tool(
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"],
        ))
        .map(|_| ())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let _ = self
            .tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A small tmpfs mounted over a temporary folder (root only); unmounted on drop.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    pub fn mount(megabytes: u32) -> Result<Self, String> {
        if !is_root() {
            return Err("mounting a small filesystem needs root".into());
        }
        let dir = tempfile::Builder::new()
            .prefix("butterfly-disk-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        run(Command::new("mount").args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={megabytes}m"),
            "tmpfs",
            &dir.path().to_string_lossy(),
        ]))?;
        Ok(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `filler` until the filesystem is full.
    pub fn fill(&self, filler: &Path) {
        use std::io::Write;
        let mut file = std::fs::File::create(filler).expect("a filler file");
        let chunk = vec![0u8; 64 * 1024];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("cannot fill the disk: {e}"),
            }
        }
        // What is left is less than one chunk: fill it byte by byte.
        while file.write(&[0u8]).is_ok_and(|n| n == 1) {}
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .args(["-l", &self.dir.path().to_string_lossy()])
            .status();
    }
}

/// The real `butterfly` binary serving on a port of its own, killed (SIGKILL) on drop if it is
/// still running.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `butterfly serve` in `dir` with only these `BUTTERFLY_*` variables (plus the bind
    /// address) and waits until `/health/live` answers.
    pub async fn start(env: &[(&str, &str)], dir: &Path, stdout: Stdio, stderr: Stdio) -> Self {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("a local address").port()
        };
        let bind = format!("127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
        command
            .arg("serve")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (name, _) in std::env::vars() {
            if name.starts_with("BUTTERFLY_") || name == "RUST_BACKTRACE" {
                command.env_remove(name);
            }
        }
        command
            .envs(env.iter().copied())
            .env("BUTTERFLY_BIND", &bind);
        let mut child = command.spawn().expect("the server process starts");
        let base = format!("http://{bind}");
        let client = awc::Client::default();
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("the process can be waited for") {
                panic!("the server exited with {status} before serving");
            }
            let live = client.get(format!("{base}/health/live")).send().await;
            if live.is_ok_and(|r| r.status().as_u16() == 200) {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the server did not serve within 60 s"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Self { child, base }
    }

    /// Sends a signal to the process.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill has no memory-safety preconditions; the pid is our own child.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "cannot signal the server process");
    }

    /// Waits up to `limit` for the process to exit.
    pub async fn wait(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .expect("the process can be waited for")
            {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the server did not exit within {limit:?}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
