//! The OpenAPI 3.1 document, generated from the route table.

use serde_json::{Map, Value, json};

use crate::routes::all_routes;

fn error_response(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
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
                .map(|f| ((*f).to_string(), json!({})))
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
