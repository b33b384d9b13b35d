//! The routes of watchlists and the move radar's alerts, in the table as `routes.rs`
//! describes it. Every member (viewer and above) has their own watchlist and inbox.

use axum::routing::{delete, get, post};
use scout_pipeline::Role;

use crate::corpus_api;
use crate::pipeline_api::watches;
use crate::route::{Access, Answer, Body, Route, Typed};

const MEMBER: Access = Access::AtLeast(Role::Viewer);

/// The routes of this part of the table.
pub(super) const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/watches",
        access: MEMBER,
        summary: "The researchers the signed-in member watches, with their unread alerts",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<watches::Watches>()),
        errors: &[],
        handler: || get(watches::list),
    },
    Route {
        method: "POST",
        path: "/api/watches",
        access: MEMBER,
        summary: "Watch a researcher: after each refresh, new papers, likely moves, new \
                  affiliations and first papers with a rival's people become alerts (what the \
                  corpus shows now is the baseline; watching again changes nothing)",
        query: None,
        body: Body::Json(Typed::of::<corpus_api::WatchReq>()),
        answer: Answer::Json(200, Typed::of::<corpus_api::WatchAnswer>()),
        errors: &[
            (404, "No researcher has this key"),
            (503, "The server has no corpus"),
        ],
        handler: || post(corpus_api::add_watch),
    },
    Route {
        method: "DELETE",
        path: "/api/watches/{key}",
        access: MEMBER,
        summary: "Stop watching a researcher (the last watcher leaving drops what the radar had seen)",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<watches::Removed>()),
        errors: &[],
        handler: || delete(watches::remove),
    },
    Route {
        method: "GET",
        path: "/api/alerts",
        access: MEMBER,
        summary: "The signed-in member's alerts on the researchers they watch, newest first \
                  (query: unread, since, before, researcher, limit), and their unread count",
        query: Some(Typed::of::<watches::AlertQuery>()),
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<scout_pipeline::store::AlertPage>()),
        errors: &[],
        handler: || get(watches::alerts),
    },
    Route {
        method: "GET",
        path: "/api/alerts/unread",
        access: MEMBER,
        summary: "How many alerts the signed-in member has not read (the top bar's count)",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<watches::Unread>()),
        errors: &[],
        handler: || get(watches::unread),
    },
    Route {
        method: "POST",
        path: "/api/alerts/read",
        access: MEMBER,
        summary: "Mark alerts read (ids, or all: true) for the signed-in member",
        query: None,
        body: Body::Json(Typed::of::<watches::ReadReq>()),
        answer: Answer::Json(200, Typed::of::<watches::Marked>()),
        errors: &[],
        handler: || post(watches::mark_read),
    },
];
