//! The built `cahoot` binary, driven through its command line as an operator would.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Generous: the first start creates the SQLite database and a signing key on a shared 2-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A port that was free a moment ago (the OS picks it; we release it for the child to bind).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Kills the server when the test ends, also when an assertion fails first.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_flags_choose_the_port_and_data_dir_over_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cahoot"));
    // Start from a clean slate so a developer's own CAHOOT_* settings cannot leak into the test…
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CAHOOT_") {
            command.env_remove(key);
        }
    }
    // …then set the variables the flags must beat: the server must listen on the flag's port and keep its
    // state in the flag's directory, not here.
    let env_dir = data.path().join("from-env");
    command
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(data.path())
        .env("CAHOOT_PORT", free_port().to_string())
        .env("CAHOOT_DATA_DIR", &env_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut server = Server(command.spawn().expect("start cahoot"));

    // The server prints its address once it is bound; read stdout on a thread so the wait has a timeout.
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let url = loop {
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .expect("cahoot exited or printed no `cahoot listening on` line");
        if let Some(url) = line.strip_prefix("cahoot listening on ") {
            break url.trim().to_owned();
        }
    };
    assert_eq!(url, format!("http://127.0.0.1:{port}"));

    let response = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.text().await.unwrap().trim(), "ok");
    assert!(
        data.path().join("cahoot.db").exists(),
        "the database belongs in --data-dir"
    );
    assert!(data.path().join("keys").is_dir(), "so do the keys");
    assert!(!env_dir.exists(), "CAHOOT_DATA_DIR must lose to --data-dir");
}
