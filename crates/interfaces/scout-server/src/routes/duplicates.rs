//! The routes of one person, one candidate: the duplicate report, an owner's merge, and the
//! pipeline's researcher index, in the table as `routes.rs` describes it.

use axum::routing::{get, post};
use scout_pipeline::Role;

use crate::pipeline_api::duplicates;
use crate::route::{Access, Answer, Body, Route, Typed};

/// The routes of this part of the table.
pub(super) const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/candidates/duplicates",
        access: Access::AtLeast(Role::Recruiter),
        summary: "Records that are one person (same researcher) or likely so (same e-mail, compatible names), with the record a merge would keep",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<duplicates::Duplicates>()),
        errors: &[],
        handler: || get(duplicates::duplicates),
    },
    Route {
        method: "POST",
        path: "/api/candidates/{id}/merge",
        access: Access::AtLeast(Role::Owner),
        summary: "Merge the record `from` into this one: its tags, history, notes, messages, meetings, offers and scorecards move; it stays as a tombstone",
        query: None,
        body: Body::Json(Typed::of::<duplicates::MergeReq>()),
        answer: Answer::Json(200, Typed::of::<scout_pipeline::store::MergeReport>()),
        errors: &[
            (404, "A record is missing, erased, or already merged"),
            (
                409,
                "The records link different researchers, or `from` is a finalist in an open arena session",
            ),
            (422, "A record cannot be merged into itself"),
        ],
        handler: || post(duplicates::merge),
    },
    Route {
        method: "GET",
        path: "/api/pipeline/researchers",
        access: Access::AtLeast(Role::Viewer),
        summary: "Which researchers are candidates: key, candidate, stage and owner, for marking them wherever researchers are shown",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<duplicates::Marks>()),
        errors: &[],
        handler: || get(duplicates::marks),
    },
];
