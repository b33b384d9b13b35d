//! The routes of bulk work (one action on many candidates, adding many researchers) and of
//! saved views, in the table as `routes.rs` describes it.

use axum::routing::{delete, get, post};
use scout_pipeline::Role;

use crate::pipeline_api::bulk;
use crate::route::{Access, Answer, Body, Route, Typed};

/// The routes of this part of the table.
pub(super) const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/api/candidates/bulk",
        access: Access::AtLeast(Role::Recruiter),
        summary: "Apply one action (move, add or remove a tag, assign an owner) to many candidates; \
                  each in its own audited transaction, with an outcome per candidate (done, \
                  unchanged, refused with the reason) — a refused one rolls back no other",
        query: None,
        body: Body::Json(Typed::of::<bulk::BulkReq>()),
        answer: Answer::Json(200, Typed::of::<scout_pipeline::store::BulkReport>()),
        errors: &[],
        handler: || post(bulk::bulk_apply),
    },
    Route {
        method: "POST",
        path: "/api/candidates/bulk-add",
        access: Access::AtLeast(Role::Recruiter),
        summary: "Add many researchers as candidates (stage sourced, with tags); one person, one \
                  candidate: a researcher already held is reported with that candidate, not added",
        query: None,
        body: Body::Json(Typed::of::<bulk::BulkAddReq>()),
        answer: Answer::Json(200, Typed::of::<bulk::BulkAdded>()),
        errors: &[],
        handler: || post(bulk::bulk_add),
    },
    Route {
        method: "GET",
        path: "/api/views",
        access: Access::AtLeast(Role::Viewer),
        summary: "Saved views you see: your own and the shared ones (query: kind list or board)",
        query: Some(Typed::of::<bulk::ViewsQuery>()),
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<bulk::Views>()),
        errors: &[],
        handler: || get(bulk::views),
    },
    Route {
        method: "POST",
        path: "/api/views",
        access: Access::AtLeast(Role::Viewer),
        summary: "Save a List search or a board view under a name (replaces your view of that \
                  kind and name); private unless shared",
        query: None,
        body: Body::Json(Typed::of::<scout_pipeline::store::NewView>()),
        answer: Answer::Json(201, Typed::of::<bulk::ViewSaved>()),
        errors: &[(404, "A pinned candidate does not exist or is erased")],
        handler: || post(bulk::save_view),
    },
    Route {
        method: "DELETE",
        path: "/api/views/{id}",
        access: Access::AtLeast(Role::Viewer),
        summary: "Delete a saved view (yours; owners: any shared one)",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<bulk::ViewDeleted>()),
        errors: &[
            (
                403,
                "Another member's shared view (only they or an owner delete it)",
            ),
            (404, "No such view among those you see"),
        ],
        handler: || delete(bulk::delete_view),
    },
];
