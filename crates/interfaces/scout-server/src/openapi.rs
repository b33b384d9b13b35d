//! The OpenAPI 3.1 document, generated from the route table: paths, least roles, and the
//! schemas of queries, bodies and answers derived from the Rust types the table names
//! (`schemars`), so the document describes what the handlers really read and write.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::route::{Access, Answer, Body, Route, Table, Typed};

fn error_response(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The schema of a path parameter, by its name.
fn path_parameter(name: &str) -> Value {
    let schema = match name {
        "id" | "message_id" => json!({"type": "integer", "format": "int64"}),
        _ => json!({"type": "string"}),
    };
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

/// The schema a type's reference points at (the definition itself for a named type).
fn resolve(generator: &SchemaGenerator, schema: &Value) -> Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .and_then(|name| generator.definitions().get(name))
        .cloned()
        .unwrap_or_else(|| schema.clone())
}

/// One query parameter per field of the query type.
fn query_parameters(generator: &mut SchemaGenerator, typed: Typed) -> Vec<Value> {
    let schema = (typed.schema)(generator).to_value();
    let object = resolve(generator, &schema);
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| {
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if let Some(d) = schema.get("description") {
                p["description"] = d.clone();
            }
            p
        })
        .collect()
}

fn operation(generator: &mut SchemaGenerator, r: &Route) -> Value {
    let mut parameters: Vec<Value> = r
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(path_parameter)
        .collect();
    let mut responses = Map::new();
    match r.answer {
        Answer::Json(status, typed) => {
            let schema = (typed.schema)(generator).to_value();
            responses.insert(
                status.to_string(),
                json!({"description": "OK", "content": {"application/json": {"schema": schema}}}),
            );
        }
        Answer::File(types, description) => {
            let content: Map<String, Value> = types
                .iter()
                .map(|t| ((*t).to_string(), json!({"schema": {"type": "string"}})))
                .collect();
            responses.insert(
                "200".into(),
                json!({"description": description, "content": content}),
            );
        }
    }
    if let Some(query) = r.query {
        parameters.extend(query_parameters(generator, query));
        responses.insert("400".into(), error_response("Bad query parameters"));
    }
    match r.body {
        Body::None => {}
        Body::Json(_) | Body::Bytes(..) => {
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
    }
    if let Access::AtLeast(_) = r.access {
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
        responses.insert("404".into(), error_response("Not found (or not yours)"));
    }
    for (status, description) in r.errors {
        responses.insert(status.to_string(), error_response(description));
    }
    let mut op = json!({
        "summary": r.summary,
        "operationId": format!("{} {}", r.method.to_lowercase(), r.path),
        "parameters": parameters,
        "responses": responses,
        "x-min-role": r.least_role().map(|x| x.as_str()),
    });
    op["security"] = match r.access {
        Access::Public => json!([]),
        Access::AtLeast(_) => json!([{"session": [], "csrf": []}, {"bearer": []}]),
    };
    match r.body {
        Body::None => {}
        Body::Json(typed) => {
            let schema = (typed.schema)(generator).to_value();
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema}}
            });
        }
        Body::Bytes(media, description) => {
            op["requestBody"] = json!({
                "required": true,
                "description": description,
                "content": {media: {"schema": {"type": "string", "format": "binary"}}}
            });
        }
    }
    op
}

/// The document served at `/api/openapi.json`, for the routes of `routes`.
pub fn document(routes: Table) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "#/components/schemas/".into())
        .into_generator();
    let mut paths = Map::new();
    for r in routes {
        let op = operation(&mut generator, r);
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = op;
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}}}),
    );
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
            "schemas": schemas,
        }
    })
}
