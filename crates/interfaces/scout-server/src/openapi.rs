//! The OpenAPI 3.1 document, generated from the route table.

use serde_json::{Map, Value, json};

use crate::corpus_api::CORPUS_ROUTES;
use crate::routes::all_routes;

fn error_response(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The schema of a body field, where the name alone does not say enough.
fn field_schema(path: &str, field: &str) -> Value {
    match (path.ends_with("/meetings"), field) {
        (true, "starts_at") => json!({
            "type": "string",
            "description": "An instant with an offset (2026-05-01T08:00:00Z, 2026-05-01T10:00:00+02:00), or with time_zone a local wall time (2026-05-01T10:00). A local time skipped by a DST change is refused (422); a repeated one means the earlier instant (send the offset for the later).",
            "examples": ["2026-05-01T10:00", "2026-05-01T08:00:00Z"]
        }),
        (true, "time_zone") => json!({
            "type": "string",
            "description": "IANA time zone the meeting is in (unknown names: 422). Absent: UTC.",
            "examples": ["Europe/Zurich", "America/New_York"]
        }),
        (true, "duration_minutes") => json!({"type": "integer", "minimum": 1, "maximum": 1440}),
        (true, "attendees") => json!({"type": "array", "items": {"type": "string"}}),
        _ => json!({}),
    }
}

/// The document served at `/api/openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in all_routes() {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "tag" {
                    json!({"type": "string"})
                } else {
                    json!({"type": "integer", "format": "int64"})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "OK", "content": {"application/json": {}}}),
        );
        if r.body.is_some() {
            responses.insert(
                "400".into(),
                error_response("Malformed JSON or bad parameters"),
            );
            responses.insert("413".into(), error_response("Body larger than the limit"));
            responses.insert(
                "422".into(),
                error_response("Wrong types, unknown fields or invalid values"),
            );
        }
        if r.role.is_some() {
            responses.insert(
                "401".into(),
                error_response("Not authenticated, or session expired"),
            );
            responses.insert(
                "403".into(),
                error_response("Role too low, or missing/wrong X-CSRF-Token on a cookie request"),
            );
        }
        if r.path.contains("{id}") {
            responses.insert("404".into(), error_response("No such candidate"));
        }
        if r.path.ends_with("/stage") || r.path.ends_with("/decision") {
            responses.insert("409".into(), error_response("Illegal stage transition"));
        }
        if r.path.starts_with("/api/jobs") {
            crate::jobs_api::document_responses(r, &mut responses);
        }
        if r.path == "/api/login" {
            responses.insert(
                "429".into(),
                error_response("Too many failed logins (Retry-After)"),
            );
        }
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{} {}", r.method.to_lowercase(), r.path),
            "parameters": params,
            "responses": responses,
            "x-min-role": r.role.map(|x| x.as_str()),
        });
        if r.role.is_some() {
            op["security"] = json!([{"session": [], "csrf": []}, {"bearer": []}]);
        } else {
            op["security"] = json!([]);
        }
        if let Some(fields) = r.body {
            let props: Map<String, Value> = fields
                .iter()
                .map(|f| ((*f).to_string(), field_schema(r.path, f)))
                .collect();
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"type": "object", "properties": props, "additionalProperties": false}}}
            });
        }
        if r.path == "/api/jobs/ingest" {
            op["parameters"] = json!([{"name": "name", "in": "query", "required": true,
                "description": "The file's name (its extension says how to read it)",
                "schema": {"type": "string"}}]);
            op["requestBody"] = json!({
                "required": true,
                "description": "The data file's bytes, streamed (paperlists JSON Lines or OpenAlex JSON; plain or gzip)",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
            });
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = op;
    }
    // The read-only corpus routes: any signed-in role; 503 when the server has no corpus.
    for (method, path, summary) in CORPUS_ROUTES {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let op = json!({
            "summary": summary,
            "operationId": format!("{} {path}", method.to_lowercase()),
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "400": error_response("Bad query parameters"),
                "401": error_response("Not authenticated, or session expired"),
                "404": error_response("No such researcher"),
                "503": error_response("The server has no corpus"),
            },
            "x-min-role": "viewer",
            "security": [{"session": []}, {"bearer": []}],
        });
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Scout pipeline API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Private recruiting workspace. Cookie sessions need X-CSRF-Token on POST/PATCH/DELETE; API tokens use Authorization: Bearer."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "bearer": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}}}}}
            }
        }
    })
}
