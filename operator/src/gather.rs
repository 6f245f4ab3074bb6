//! Downloading a gather-drop plan ([`sluice_core::graph::gather`]): every file over HTTP, at
//! most N at once, resumable. A file already complete (present under its final name) is
//! not fetched again; a partial one (`NAME.part`, what a cut download leaves) is resumed
//! with a `Range` request, or started over when the server ignores the range. The size
//! the server announces (`Content-Length`, or the total of `Content-Range`) is checked
//! before the file takes its final name. Progress goes to stderr, one line per file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use serde::Serialize;
use sluice_core::graph::gather::{self, DropFile, DropPlan, Source};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, Semaphore};

/// How a file came to be in the output directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum How {
    /// Downloaded whole.
    Downloaded,
    /// A partial download finished.
    Resumed,
    /// Already there from an earlier run.
    Present,
}

/// One file gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gathered {
    /// Its path relative to the output directory.
    pub path: String,
    /// The URL it came from (empty for a file already present).
    pub url: String,
    /// Its size.
    pub bytes: u64,
    /// How.
    pub how: How,
}

/// One file that could not be gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotGathered {
    /// Its path relative to the output directory.
    pub path: String,
    /// Why, per source tried.
    pub reason: String,
}

/// Downloads files of a plan.
pub struct Downloader {
    http: reqwest::Client,
    parallel: usize,
    /// Package base address per NuGet feed, or why it could not be found.
    feeds: Mutex<HashMap<String, Result<String, String>>>,
}

impl Downloader {
    /// A downloader running at most `parallel` downloads at once (at least one).
    pub fn new(parallel: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .build()?;
        Ok(Downloader {
            http,
            parallel: parallel.max(1),
            feeds: Mutex::new(HashMap::new()),
        })
    }

    /// Fetches every file of `plan` into `out`, printing a line per file on stderr; the
    /// outcome of each, in the plan's order.
    pub async fn gather(
        self: Arc<Self>,
        plan: &DropPlan,
        out: &Path,
    ) -> Vec<Result<Gathered, NotGathered>> {
        let files: Vec<DropFile> = plan.files().cloned().collect();
        let total = files.len();
        let done = Arc::new(AtomicUsize::new(0));
        let permits = Arc::new(Semaphore::new(self.parallel));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, file) in files.into_iter().enumerate() {
            let (me, permits, done, out) = (
                self.clone(),
                permits.clone(),
                done.clone(),
                out.to_path_buf(),
            );
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = me.fetch(&file, &out).await;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                match &result {
                    Ok(g) => eprintln!(
                        "[{n}/{total}] {} {} ({} bytes)",
                        match g.how {
                            How::Downloaded => "downloaded",
                            How::Resumed => "resumed",
                            How::Present => "present",
                        },
                        g.path,
                        g.bytes
                    ),
                    Err(f) => eprintln!("[{n}/{total}] FAILED {}: {}", f.path, f.reason),
                }
                (index, result)
            });
        }
        let mut results: Vec<Option<Result<Gathered, NotGathered>>> = vec![None; total];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, result)) = joined {
                results[index] = Some(result);
            }
        }
        let files: Vec<&DropFile> = plan.files().collect();
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| {
                    Err(NotGathered {
                        path: files[i].path.clone(),
                        reason: "the download task stopped".into(),
                    })
                })
            })
            .collect()
    }

    async fn fetch(&self, file: &DropFile, out: &Path) -> Result<Gathered, NotGathered> {
        let fail = |reason: String| NotGathered {
            path: file.path.clone(),
            reason,
        };
        let dest = file
            .path
            .split('/')
            .fold(out.to_path_buf(), |dir, segment| dir.join(segment));
        if let Ok(meta) = tokio::fs::metadata(&dest).await
            && meta.is_file()
        {
            return Ok(Gathered {
                path: file.path.clone(),
                url: String::new(),
                bytes: meta.len(),
                how: How::Present,
            });
        }
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut errors = Vec::new();
        for source in &file.sources {
            let url = match self.url(source).await {
                Ok(url) => url,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            match self.download(&url, &dest).await {
                Ok((bytes, how)) => {
                    return Ok(Gathered {
                        path: file.path.clone(),
                        url,
                        bytes,
                        how,
                    });
                }
                Err(e) => errors.push(format!("{url}: {e}")),
            }
        }
        Err(fail(errors.join("; ")))
    }

    /// The URL to fetch `source` from.
    async fn url(&self, source: &Source) -> Result<String, String> {
        match source {
            Source::Url { url } => Ok(url.clone()),
            Source::NugetPackage { feed, id, version } => {
                let mut feeds = self.feeds.lock().await;
                if !feeds.contains_key(feed) {
                    let found = self.base_address(feed).await;
                    feeds.insert(feed.clone(), found);
                }
                let base = feeds[feed].clone().map_err(|e| format!("{feed}: {e}"))?;
                Ok(gather::nuget_package_url(&base, id, version))
            }
        }
    }

    async fn base_address(&self, feed: &str) -> Result<String, String> {
        let response = self
            .http
            .get(feed)
            .send()
            .await
            .map_err(|e| format!("cannot read the service index: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the service index answers {}", response.status()));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("cannot read the service index: {e}"))?;
        gather::package_base_address(&body)
    }

    /// Downloads `url` to `dest` through `dest.part`, resuming what an earlier run left.
    async fn download(&self, url: &str, dest: &Path) -> Result<(u64, How), String> {
        let part = part_path(dest);
        let have = tokio::fs::metadata(&part)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let mut request = self.http.get(url);
        if have > 0 {
            request = request.header(RANGE, format!("bytes={have}-"));
        }
        let mut response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let (offset, expected, how) = match status {
            StatusCode::PARTIAL_CONTENT if have > 0 => {
                let range = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let (start, total) = content_range(range)
                    .ok_or_else(|| format!("unexpected Content-Range {range:?}"))?;
                if start != have {
                    return Err(format!(
                        "asked to resume at byte {have}, the server sent from byte {start}"
                    ));
                }
                (have, total, How::Resumed)
            }
            StatusCode::OK => (0, response.content_length(), How::Downloaded),
            StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
                // What was kept is not a prefix the server can continue: start over.
                tokio::fs::remove_file(&part)
                    .await
                    .map_err(|e| format!("cannot remove {}: {e}", part.display()))?;
                return Box::pin(self.download(url, dest)).await;
            }
            other => return Err(format!("HTTP {other}")),
        };
        let mut file = if offset > 0 {
            tokio::fs::OpenOptions::new().append(true).open(&part).await
        } else {
            tokio::fs::File::create(&part).await
        }
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
        let mut written = offset;
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            format!("the download stopped after {written} bytes (run again to resume): {e}")
        })? {
            file.write_all(&chunk)
                .await
                .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
            written += chunk.len() as u64;
        }
        file.flush()
            .await
            .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
        drop(file);
        if let Some(expected) = expected
            && expected != written
        {
            if written > expected {
                let _ = tokio::fs::remove_file(&part).await;
            }
            return Err(format!(
                "size mismatch: the server announced {expected} bytes, {written} arrived"
            ));
        }
        tokio::fs::rename(&part, dest)
            .await
            .map_err(|e| format!("cannot move {} into place: {e}", part.display()))?;
        Ok((written, how))
    }
}

/// Where a partial download of `dest` is kept.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

/// The first byte and the total size (when given) of `bytes START-END/TOTAL`.
fn content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((start.parse().ok()?, total))
}

#[cfg(test)]
mod tests {
    use super::content_range;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(content_range("bytes 5-9/*"), Some((5, None)));
        for bad in ["", "bytes */200", "items 1-2/3", "bytes x-1/2"] {
            assert_eq!(content_range(bad), None, "{bad}");
        }
    }
}
