//! What a route of the table is, and the gate that makes the table hold.
//!
//! Each [`Route`] states its method, path, least role, query, body, reply and errors, with the
//! query, body and reply named as Rust types. The router wraps every route in [`gate`], which
//! authenticates the caller, checks the route's least role and leaves the [`Route`] and the
//! [`Auth`] in the request. The extractors (`ApiJson`, `ApiQuery`) and the reply type
//! ([`Reply`]) compare the type a handler really reads or returns with the one the table
//! names, and answer 500 when they differ — so the role, the document and the handler cannot
//! drift apart without every request to the route failing (the tests send one to each).

use std::any::{TypeId, type_name};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use scout_pipeline::Role;
use serde::Serialize;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in users whose role is at least this one.
    AtLeast(Role),
}

/// A Rust type the table names: its identity (to compare with what a handler uses) and its
/// JSON schema (for the OpenAPI document).
#[derive(Clone, Copy)]
pub struct Typed {
    pub name: fn() -> &'static str,
    pub id: fn() -> TypeId,
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

impl Typed {
    /// The entry for type `T`.
    pub const fn of<T: JsonSchema + 'static>() -> Typed {
        Typed {
            name: type_name::<T>,
            id: TypeId::of::<T>,
            schema: schema_of::<T>,
        }
    }

    fn is<T: 'static>(&self) -> bool {
        (self.id)() == TypeId::of::<T>()
    }
}

/// The request body a route takes.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    /// A JSON object of this type.
    Json(Typed),
    /// Raw bytes streamed (media type, description).
    Bytes(&'static str, &'static str),
}

/// What a route answers on success.
#[derive(Clone, Copy)]
pub enum Answer {
    /// JSON of this type, with this status.
    Json(u16, Typed),
    /// A file (its media types, description).
    File(&'static [&'static str], &'static str),
}

/// One route of the API.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// The query string's type, if the route reads one.
    pub query: Option<Typed>,
    pub body: Body,
    pub answer: Answer,
    /// Errors particular to this route (status, when). Authentication, role, body and query
    /// errors are added to the document from `access`, `body` and `query`.
    pub errors: &'static [(u16, &'static str)],
    pub handler: fn() -> MethodRouter<AppState>,
}

impl Route {
    /// The least role, or `None` for a public route.
    pub fn least_role(&self) -> Option<Role> {
        match self.access {
            Access::Public => None,
            Access::AtLeast(role) => Some(role),
        }
    }
}

/// The route table, kept in parts (one per area of the API, so that no file of it outgrows the
/// size limit); it iterates as one list, in order.
#[derive(Clone, Copy)]
pub struct Table(pub &'static [&'static [Route]]);

/// The iterator over a [`Table`]'s routes.
pub type TableIter = std::iter::FlatMap<
    std::slice::Iter<'static, &'static [Route]>,
    std::slice::Iter<'static, Route>,
    fn(&&'static [Route]) -> std::slice::Iter<'static, Route>,
>;

impl Table {
    /// Every route, in order.
    pub fn iter(self) -> TableIter {
        fn part(p: &&'static [Route]) -> std::slice::Iter<'static, Route> {
            let routes: &'static [Route] = p;
            routes.iter()
        }
        self.0
            .iter()
            .flat_map(part as fn(&&'static [Route]) -> std::slice::Iter<'static, Route>)
    }
}

impl IntoIterator for Table {
    type Item = &'static Route;
    type IntoIter = TableIter;
    fn into_iter(self) -> TableIter {
        self.iter()
    }
}

/// The middleware around every route: authentication and the role check for non-public
/// routes, then the route itself (for the extractors) and the answer's type check.
pub async fn gate(
    State((state, route)): State<(AppState, &'static Route)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Access::AtLeast(role) = route.access {
        let auth = match authenticate(&parts, &state).await {
            Ok(auth) => auth,
            Err(e) => return e.into_response(),
        };
        if let Err(e) = auth.require(role) {
            return e.into_response();
        }
        parts.extensions.insert(auth);
    }
    parts.extensions.insert(route);
    let response = next.run(Request::from_parts(parts, body)).await;
    let Answer::Json(status, typed) = route.answer else {
        return response;
    };
    if !response.status().is_success() {
        return response;
    }
    let answered = response.extensions().get::<Answered>().copied();
    match answered {
        Some(a) if a.id == (typed.id)() && response.status().as_u16() == status => response,
        _ => ApiError::internal(format!(
            "{} {} answered {} {} but the route table documents {status} {}",
            route.method,
            route.path,
            response.status().as_u16(),
            answered.map_or("untyped JSON", |a| a.name),
            (typed.name)()
        ))
        .into_response(),
    }
}

/// The route a request is for (set by [`gate`]).
pub(crate) fn current(parts: &axum::http::Extensions) -> Option<&'static Route> {
    parts.get::<&'static Route>().copied()
}

/// Fails unless the table names `T` as the route's body (`body == true`) or query.
pub(crate) fn check_input<T: 'static>(
    extensions: &axum::http::Extensions,
    body: bool,
) -> Result<(), ApiError> {
    let Some(route) = current(extensions) else {
        return Ok(());
    };
    let named = if body {
        match route.body {
            Body::Json(typed) => Some(typed),
            _ => None,
        }
    } else {
        route.query
    };
    match named {
        Some(typed) if typed.is::<T>() => Ok(()),
        other => Err(ApiError::internal(format!(
            "{} {} reads its {} as {} but the route table documents {}",
            route.method,
            route.path,
            if body { "body" } else { "query" },
            type_name::<T>(),
            other.map_or("none", |t| (t.name)())
        ))),
    }
}

/// The type a JSON answer was made from, left in the response for [`gate`] to check.
#[derive(Clone, Copy)]
struct Answered {
    id: TypeId,
    name: &'static str,
}

/// A JSON answer with its status: what handlers return, so the gate can check its type
/// against the table.
pub struct Reply<T>(pub StatusCode, pub T);

impl<T> Reply<T> {
    /// 200 OK.
    pub fn ok(value: T) -> Reply<T> {
        Reply(StatusCode::OK, value)
    }
    /// 201 Created.
    pub fn created(value: T) -> Reply<T> {
        Reply(StatusCode::CREATED, value)
    }
}

impl<T: Serialize + 'static> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(self.1)).into_response();
        response.extensions_mut().insert(Answered {
            id: TypeId::of::<T>(),
            name: type_name::<T>(),
        });
        response
    }
}

/// A JSON answer encoded ahead of time (on the blocking thread that computed it), still
/// carrying its type for the gate.
pub struct Encoded<T> {
    bytes: Vec<u8>,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: Serialize + 'static> Encoded<T> {
    pub fn new(value: &T) -> Result<Encoded<T>, ApiError> {
        let bytes = serde_json::to_vec(value).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(Encoded {
            bytes,
            kind: std::marker::PhantomData,
        })
    }
}

impl<T: 'static> IntoResponse for Encoded<T> {
    fn into_response(self) -> Response {
        let mut response = (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.bytes,
        )
            .into_response();
        response.extensions_mut().insert(Answered {
            id: TypeId::of::<T>(),
            name: type_name::<T>(),
        });
        response
    }
}
