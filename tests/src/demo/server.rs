//! `sluice serve` as a child process of the demo.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::binary::sluice_path;

/// A running `sluice serve`.
pub struct Server {
    child: Child,
    url: String,
    port: u16,
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    Some(text)
}

impl Server {
    /// Starts the server on a free loopback port with data under `root/data`, and waits
    /// until its configuration is loaded.
    pub fn start(root: &Path, config: &Path) -> Result<Server, String> {
        Server::start_with(root, &config.display().to_string(), &[])
    }

    /// Like [`Server::start`] with any `--config` source and extra `serve` arguments (which
    /// replace the defaults of the same flags).
    pub fn start_with(root: &Path, config: &str, extra: &[&str]) -> Result<Server, String> {
        let port = free_port()?;
        let data: PathBuf = root.join("data");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("serve.log"))
            .map_err(|e| e.to_string())?;
        // Fast timers and two workers, unless `extra` says otherwise.
        let defaults: Vec<&str> = [
            ["--schedule-tick", "1"],
            ["--pull-request-interval", "1"],
            ["--workers", "2"],
        ]
        .into_iter()
        .filter(|[flag, _]| !extra.contains(flag))
        .flatten()
        .collect();
        let child = Command::new(sluice_path())
            .args(["serve", "--config", config])
            .args(extra)
            .arg("--data")
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(defaults)
            .env("RUST_LOG", "sluice=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting sluice serve: {e}"))?;
        let mut server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if get(port, "/readyz")
                .is_some_and(|r| r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200"))
            {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "sluice serve exited with {status}; see {}",
                    root.join("serve.log").display()
                ));
            }
            if Instant::now() > deadline {
                server.kill();
                return Err("sluice serve did not become ready within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The body of `GET path`, when the server answers.
    pub fn get(&self, path: &str) -> Option<String> {
        let response = get(self.port, path)?;
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs a sluice CLI command against this server; stdout on success, stderr otherwise.
    pub fn sluice(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(sluice_path())
            .args(args)
            .env("SLUICE_SERVER", &self.url)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// Publishes a build of demo repository `repo` at its `main` head with its asset at
    /// `version`, as the repository's CI would.
    pub fn publish(
        &self,
        root: &Path,
        repo: &str,
        number: &str,
        version: &str,
    ) -> Result<String, String> {
        let head = super::repos::git(
            &root.join("remotes").join(format!("{repo}.git")),
            &["rev-parse", "main"],
        );
        let url = super::repos::remote_url(root, repo);
        let asset = format!("{}={version}", super::repos::asset_name(repo));
        self.sluice(&[
            "build", "publish", "--repo", &url, "--branch", "main", "--commit", &head, "--number",
            number, "--asset", &asset, "--format", "json",
        ])
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the server.
    pub fn stop(mut self) {
        self.kill();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
