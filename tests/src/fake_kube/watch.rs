//! Watches: a stream of `{"type", "object"}` lines. Without a resourceVersion (or with
//! `0`) every current object comes first as `ADDED`; with one, the changes after it
//! (`410 Gone` as an `ERROR` event when it is older than the history kept). Bookmarks
//! when asked for; the stream ends at `timeoutSeconds`, when the client goes, or when the
//! test drops every watch.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Server;
use super::api::{Target, status_object};
use super::objects::Change;
use super::select::Selector;

fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

/// Starts a watch of `target`'s collection.
pub(super) fn serve(
    server: &Arc<Server>,
    target: &Target,
    selector: Selector,
    query: &[(String, String)],
) -> Response {
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let bookmarks = param("allowWatchBookmarks").as_deref() == Some("true");
    let timeout = param("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    let t = target.t.clone();
    let namespace = target.namespace.clone();
    let wanted = move |object: &Value| {
        namespace
            .as_deref()
            .is_none_or(|ns| object["metadata"]["namespace"].as_str() == Some(ns))
            && selector.matches(object)
    };
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let start = match param("resourceVersion").as_deref() {
        None | Some("") | Some("0") => {
            let (items, rv, receiver) = server.objects.list_and_watch(&t, None);
            let added: Vec<Bytes> = items
                .iter()
                .filter(|o| wanted(o))
                .map(|o| line("ADDED", o))
                .collect();
            Ok((added, receiver, rv))
        }
        Some(since) => match since.parse::<u64>() {
            Err(_) => Err(status_object(&super::objects::Refusal::new(
                400,
                "BadRequest",
                format!("invalid resourceVersion {since:?}"),
            ))),
            Ok(since) => match server.objects.watch_from(&t, since) {
                Ok((past, receiver)) => {
                    let lines = past
                        .iter()
                        .filter(|c| wanted(&c.object))
                        .map(|c| line(c.kind, &c.object))
                        .collect();
                    let last = past.last().map_or(since, |c| c.rv);
                    Ok((lines, receiver, last))
                }
                Err(refusal) => Err(status_object(&refusal)),
            },
        },
    };
    let server = server.clone();
    tokio::spawn(async move {
        let (initial, mut receiver, mut last) = match start {
            Ok(start) => start,
            Err(status) => {
                let _ = tx.send(line("ERROR", &status)).await;
                return;
            }
        };
        for l in initial {
            if tx.send(l).await.is_err() {
                return;
            }
        }
        let mut drops = server.drops.subscribe();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(server.bookmark_every);
        tick.tick().await;
        loop {
            tokio::select! {
                change = receiver.recv() => match change {
                    Ok(Change { rv, kind, group, plural, object }) => {
                        if rv <= last || group != t.group || plural != t.plural {
                            continue;
                        }
                        last = rv;
                        if wanted(&object) && tx.send(line(kind, &object)).await.is_err() {
                            return;
                        }
                    }
                    // A watcher that fell behind is dropped, as a real server does.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick(), if bookmarks => {
                    let rv = server.objects.resource_version();
                    let mark = json!({"kind": t.kind, "apiVersion": t.api_version(),
                        "metadata": {"resourceVersion": rv.to_string()}});
                    if tx.send(line("BOOKMARK", &mark)).await.is_err() {
                        return;
                    }
                }
                _ = &mut deadline => return,
                _ = drops.changed() => return,
                _ = tx.closed() => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}
