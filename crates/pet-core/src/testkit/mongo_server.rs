//! The MongoDB-compatible test server: started once per test process through
//! `scripts/mongo-test-server.sh` (a watchdog stops it when the process is
//! gone), or the real MongoDB named by `PET_MONGODB_URI`.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// Environment variable naming a real MongoDB to test against instead.
pub const URI_VAR: &str = "PET_MONGODB_URI";

static SERVER: OnceLock<String> = OnceLock::new();

/// Starts a server of this test process's own with the script at `script` and
/// returns the script's line: URI, then the server's pid. Panics (fails the
/// test, saying why) when it cannot start.
pub fn start_server(script: &Path) -> String {
    let out = Command::new("bash")
        .arg(script)
        .arg("--watch")
        .arg(std::process::id().to_string())
        .output()
        .expect("run scripts/mongo-test-server.sh");
    assert!(
        out.status.success(),
        "could not start the MongoDB test server (set {URI_VAR} to use a running MongoDB):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The server URI: `PET_MONGODB_URI` if set, else a server started once for
/// this process with the script at `script`.
pub fn server_uri(script: &Path) -> String {
    if let Ok(uri) = std::env::var(URI_VAR) {
        if !uri.is_empty() {
            return uri;
        }
    }
    SERVER
        .get_or_init(|| {
            let started = std::time::Instant::now();
            let line = start_server(script);
            let uri = line
                .split_whitespace()
                .next()
                .expect("URI line")
                .to_string();
            eprintln!(
                "test server {uri} ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            uri
        })
        .clone()
}
