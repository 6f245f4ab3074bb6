//! `sluice serve` as a child process of the demo.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::binary::sluice_path;

/// A running `sluice serve`.
pub struct Server {
    child: Child,
    url: String,
    port: u16,
    token: Option<String>,
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// `GET path` with an optional API token, when the server answers.
fn get(port: u16, path: &str, token: Option<&str>) -> Option<crate::http::Answer> {
    crate::http::request(
        &format!("http://127.0.0.1:{port}"),
        "GET",
        path,
        token,
        &[],
        b"",
    )
    .ok()
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
        Server::start_with_env(root, config, extra, &[])
    }

    /// Like [`Server::start_with`] with extra environment variables for the server
    /// (`RUST_LOG` among them overrides the default level of `sluice serve`).
    pub fn start_with_env(
        root: &Path,
        config: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, String> {
        Server::spawn(root, &["serve", "--config", config], extra, env)
    }

    /// `sluice controller` against the API server of `kubeconfig`, with data under
    /// `root/data` and extra arguments, once its configuration is loaded.
    pub fn start_controller(
        root: &Path,
        kubeconfig: &Path,
        extra: &[&str],
    ) -> Result<Server, String> {
        let kubeconfig = kubeconfig.display().to_string();
        Server::spawn(root, &["controller"], extra, &[("KUBECONFIG", &kubeconfig)])
    }

    fn spawn(
        root: &Path,
        command: &[&str],
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, String> {
        let name = command.join(" ");
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
            .args(command)
            .args(extra)
            .arg("--data")
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(defaults)
            // The log level a user gets by default, unless the test asks for another.
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting sluice {name}: {e}"))?;
        let mut server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            token: None,
        };
        let ready = crate::wait::poll(Duration::from_secs(30), || {
            if get(port, "/readyz", None).is_some_and(|a| a.status == 200) {
                return Some(Ok(()));
            }
            match server.child.try_wait() {
                Ok(Some(status)) => Some(Err(format!(
                    "sluice {name} exited with {status}; see {}",
                    root.join("serve.log").display()
                ))),
                _ => None,
            }
        });
        match ready {
            Some(Ok(())) => Ok(server),
            Some(Err(exited)) => Err(exited),
            None => {
                server.kill();
                Err(format!("sluice {name} did not become ready within 30 s"))
            }
        }
    }

    /// The body of `GET path`, when the server answers.
    pub fn get(&self, path: &str) -> Option<String> {
        get(self.port, path, self.token.as_deref()).map(|a| a.body)
    }

    /// Sends `token` as the API token with every later request ([`Server::get`],
    /// [`Server::request`] and the CLI's `SLUICE_TOKEN` in [`Server::sluice`]).
    pub fn set_token(&mut self, token: &str) {
        self.token = Some(token.to_string());
    }

    /// Sends `method path` with an optional body and content type; `None` when the server
    /// does not answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Option<crate::http::Answer> {
        let header = content_type.map(|ct| format!("Content-Type: {ct}"));
        let headers: Vec<&str> = header.iter().map(String::as_str).collect();
        crate::http::request(
            &self.url,
            method,
            path,
            self.token.as_deref(),
            &headers,
            body.as_bytes(),
        )
        .ok()
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs a sluice CLI command against this server; stdout on success, stderr otherwise.
    pub fn sluice(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new(sluice_path());
        command.args(args).env("SLUICE_SERVER", &self.url);
        match &self.token {
            Some(token) => command.env("SLUICE_TOKEN", token),
            None => command.env_remove("SLUICE_TOKEN"),
        };
        let out = command.output().map_err(|e| e.to_string())?;
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

    /// Reports a successful `ci` check on every open pull request, as a CI would, until
    /// `done` holds (within a minute).
    pub fn pass_checks_until(&self, what: &str, done: impl Fn(&Server) -> bool) {
        crate::wait::until_true(what, Duration::from_secs(60), || {
            if done(self) {
                return true;
            }
            let Ok(list) = self.sluice(&["pr", "list", "--format", "json"]) else {
                return false;
            };
            let prs: serde_json::Value = serde_json::from_str(&list).unwrap_or_default();
            for pr in prs
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["state"] == "Open")
            {
                let number = pr["number"].to_string();
                let _ =
                    self.sluice(&["pr", "check", &number, "--name", "ci", "--state", "success"]);
            }
            false
        });
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a service manager stopping it would; SIGKILL if it has not ended
    /// within ten seconds.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        // Killed and reaped when it has not ended by then.
        let _ = crate::wait::exit(&mut self.child, Duration::from_secs(10));
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
