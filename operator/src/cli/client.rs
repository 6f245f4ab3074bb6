//! The HTTP client the CLI's server commands use (`build`, `subscription`, `pr`, `status`).

use std::time::Duration;

use crate::cli::stdout::outln;
use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Where the server is.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Base URL of a running `sluice serve`.
    #[arg(
        long,
        env = "SLUICE_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true,
        value_name = "URL"
    )]
    pub server: String,
}

/// A blocking JSON client for the sluice API. It sends the API token in the
/// `SLUICE_TOKEN` environment variable, when set, as a bearer token.
pub struct Client {
    base: String,
    http: reqwest::blocking::Client,
    token: Option<String>,
}

impl Client {
    /// A client of the server at `args.server`.
    pub fn new(args: &ServerArgs) -> anyhow::Result<Client> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        Ok(Client {
            base: args.server.trim_end_matches('/').to_string(),
            http,
            token: std::env::var("SLUICE_TOKEN")
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        })
    }

    /// GET `path`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(self.http.get(format!("{}{path}", self.base)), path)
    }

    /// POST `body` as JSON to `path`.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        self.send(
            self.http.post(format!("{}{path}", self.base)).json(body),
            path,
        )
    }

    fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
        path: &str,
    ) -> anyhow::Result<T> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().with_context(|| format!("cannot reach the sluice server at {} (is `sluice serve` running? set --server or SLUICE_SERVER)", self.base))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .with_context(|| format!("reading the answer to {path}"))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string());
            anyhow::bail!("{message} (HTTP {status})");
        }
        serde_json::from_slice(&bytes).with_context(|| format!("unexpected answer from {path}"))
    }
}

/// Output format of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// JSON, for scripts.
    Json,
}

/// Prints rows as aligned columns under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        outln!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
