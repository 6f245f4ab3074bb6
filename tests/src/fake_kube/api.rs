//! Requests: the path names a type (and a namespace, a name, the status subresource),
//! the verb and query say what to do. Collections list (as a Table when kubectl asks for
//! one) or watch; objects get, update, patch and delete.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Server;
use super::discovery;
use super::kinds::ResourceType;
use super::objects::{Refusal, not_found};
use super::patch::{self, PatchType};
use super::select::Selector;
use super::table;
use super::watch;

/// What a resource path names.
pub(super) struct Target {
    pub(super) t: ResourceType,
    /// The namespace of the path; `None` for cluster-scoped types and all-namespace lists.
    pub(super) namespace: Option<String>,
    pub(super) name: Option<String>,
    pub(super) status: bool,
}

fn json_response(code: StatusCode, value: &Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// A refusal as the `Status` object the API server answers with.
pub(super) fn refusal(r: &Refusal) -> Response {
    let code = StatusCode::from_u16(r.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(code, &status_object(r))
}

/// The `Status` object of a refusal.
pub(super) fn status_object(r: &Refusal) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": r.message, "reason": r.reason, "code": r.code})
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Resolves a resource path against the types served now.
fn target(server: &Server, segments: &[&str]) -> Result<Target, Refusal> {
    let (group, version, rest) = match segments {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => {
            return Err(Refusal::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ));
        }
    };
    let types = server.objects.types();
    let find = |plural: &str| {
        types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
            .ok_or_else(|| {
                Refusal::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            })
    };
    let (t, namespace, rest) = match rest {
        ["namespaces", ns, plural, rest @ ..] if find(plural).is_ok_and(|t| t.namespaced) => {
            (find(plural)?, Some(ns.to_string()), rest)
        }
        [plural, rest @ ..] => (find(plural)?, None, rest),
        [] => return Err(Refusal::new(404, "NotFound", "no resource named")),
    };
    let (name, status) = match rest {
        [] => (None, false),
        [name] => (Some(name.to_string()), false),
        [name, "status"] => (Some(name.to_string()), true),
        _ => {
            return Err(Refusal::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ));
        }
    };
    if status && !t.status_subresource {
        return Err(Refusal::new(
            404,
            "NotFound",
            format!("{} has no status subresource", t.plural),
        ));
    }
    Ok(Target {
        t,
        namespace,
        name,
        status,
    })
}

/// Serves one request.
pub(super) async fn handle(State(server): State<Arc<Server>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = query_pairs(parts.uri.query().unwrap_or(""));
    server.count(parts.method.as_str());
    let body = match to_bytes(body, 16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(err) => return refusal(&Refusal::new(400, "BadRequest", err.to_string())),
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (parts.method.clone(), segments.as_slice()) {
        (Method::GET, ["version"]) => return json_response(StatusCode::OK, &discovery::version()),
        (Method::GET, ["api"]) => {
            return json_response(StatusCode::OK, &discovery::core_versions());
        }
        (Method::GET, ["apis"]) => {
            return json_response(StatusCode::OK, &discovery::groups(&server.objects.types()));
        }
        (Method::GET, ["api", v]) | (Method::GET, ["apis", "", v]) => {
            return discovered(&server, "", v);
        }
        (Method::GET, ["apis", g, v]) => return discovered(&server, g, v),
        (Method::GET, ["openapi", "v3"]) => {
            return json_response(
                StatusCode::OK,
                &discovery::openapi_root(&server.objects.types()),
            );
        }
        (Method::GET, ["openapi", "v3", rest @ ..]) => {
            return match discovery::openapi_document(&server.objects.types(), &rest.join("/")) {
                Some(doc) => json_response(StatusCode::OK, &doc),
                None => refusal(&Refusal::new(404, "NotFound", "no such document")),
            };
        }
        _ => {}
    }
    let target = match target(&server, &segments) {
        Ok(t) => t,
        Err(r) => return refusal(&r),
    };
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let result = match (parts.method, &target.name) {
        (Method::GET, None) if matches!(param("watch"), Some("true" | "1")) => {
            let selector = Selector::parse(param("labelSelector"), param("fieldSelector"));
            return watch::serve(&server, &target, selector, &query);
        }
        (Method::GET, None) => list(&server, &target, &query, &parts.headers),
        (Method::GET, Some(name)) => get(&server, &target, name, &parts.headers),
        (Method::POST, None) => parse(&body).and_then(|o| create(&server, &target, o)),
        (Method::PUT, Some(name)) => parse(&body).and_then(|o| {
            server
                .objects
                .update(&target.t, ns(&target), name, o, target.status)
                .map(|o| (StatusCode::OK, o))
        }),
        (Method::PATCH, Some(name)) => {
            let kind = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(PatchType::from_content_type);
            match kind {
                Some(kind) => parse(&body).and_then(|p| {
                    let manager = param("fieldManager").unwrap_or("");
                    patch_object(&server, &target, name, (kind, manager), p)
                }),
                None => Err(Refusal::new(
                    415,
                    "UnsupportedMediaType",
                    "unsupported patch type",
                )),
            }
        }
        (Method::DELETE, Some(name)) => delete(&server, &target, name),
        _ => Err(Refusal::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )),
    };
    match result {
        Ok((code, value)) => json_response(code, &value),
        Err(r) => refusal(&r),
    }
}

fn discovered(server: &Server, group: &str, version: &str) -> Response {
    match discovery::resources(&server.objects.types(), group, version) {
        Some(doc) => json_response(StatusCode::OK, &doc),
        None => refusal(&Refusal::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )),
    }
}

fn ns(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or("")
}

fn parse(body: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| Refusal::new(400, "BadRequest", format!("the body is not JSON: {e}")))
}

fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"))
}

type Answer = Result<(StatusCode, Value), Refusal>;

fn list(
    server: &Server,
    target: &Target,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Answer {
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let selector = Selector::parse(param("labelSelector"), param("fieldSelector"));
    let (items, rv) = server.objects.list(&target.t, target.namespace.as_deref());
    let items: Vec<Value> = items.into_iter().filter(|o| selector.matches(o)).collect();
    if wants_table(headers) {
        return Ok((
            StatusCode::OK,
            table::table(&target.t, &items, rv, sluice::clock::unix_now()),
        ));
    }
    Ok((
        StatusCode::OK,
        json!({"kind": format!("{}List", target.t.kind), "apiVersion": target.t.api_version(),
            "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}

fn get(server: &Server, target: &Target, name: &str, headers: &HeaderMap) -> Answer {
    let object = server
        .objects
        .get(&target.t, ns(target), name)
        .ok_or_else(|| not_found(&target.t, name))?;
    if wants_table(headers) {
        let rv = server.objects.resource_version();
        return Ok((
            StatusCode::OK,
            table::table(&target.t, &[object], rv, sluice::clock::unix_now()),
        ));
    }
    Ok((StatusCode::OK, object))
}

fn create(server: &Server, target: &Target, object: Value) -> Answer {
    if target.status {
        return Err(Refusal::new(
            405,
            "MethodNotAllowed",
            "create the object, not its status",
        ));
    }
    if let (Some(path_ns), Some(Value::String(body_ns))) =
        (&target.namespace, object.pointer("/metadata/namespace"))
        && path_ns != body_ns
    {
        return Err(Refusal::new(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    if target.t.namespaced && target.namespace.is_none() {
        return Err(Refusal::new(
            404,
            "NotFound",
            "a namespaced object is created in a namespace",
        ));
    }
    server
        .objects
        .create(&target.t, ns(target), object)
        .map(|o| (StatusCode::CREATED, o))
}

fn patch_object(
    server: &Server,
    target: &Target,
    name: &str,
    (kind, manager): (PatchType, &str),
    p: Value,
) -> Answer {
    let current = server.objects.get(&target.t, ns(target), name);
    let Some(mut object) = current else {
        // Server-side apply creates what does not exist yet.
        if kind == PatchType::Apply && !target.status {
            return create(server, target, p);
        }
        return Err(not_found(&target.t, name));
    };
    match kind {
        PatchType::Merge => patch::merge(&mut object, &p),
        PatchType::Apply => {
            patch::apply(&mut object, &p);
            let key = (
                format!(
                    "{}/{}/{}/{name}",
                    target.t.group,
                    target.t.plural,
                    ns(target)
                ),
                manager.to_string(),
                target.status,
            );
            let mut applied = server.applied.lock().unwrap();
            if let Some(before) = applied.get(&key) {
                patch::prune(&mut object, before, &p);
            }
            applied.insert(key, p.clone());
        }
        PatchType::Json => patch::json_patch(&mut object, &p)?,
    }
    server
        .objects
        .update(&target.t, ns(target), name, object, target.status)
        .map(|o| (StatusCode::OK, o))
}

fn delete(server: &Server, target: &Target, name: &str) -> Answer {
    let object = server.objects.delete(&target.t, ns(target), name)?;
    if server.objects.get(&target.t, ns(target), name).is_some() {
        // Waiting for its finalizers.
        return Ok((StatusCode::OK, object));
    }
    Ok((
        StatusCode::OK,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": name, "group": target.t.group, "kind": target.t.plural,
                "uid": object["metadata"]["uid"]}}),
    ))
}
