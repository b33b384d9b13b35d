//! The routes of the workspace settings (outreach, rival organisations) and of owners' webhooks
//! for alerts (docs/webhooks.md), in the table as `routes.rs` describes it.

use axum::routing::{delete, get, post, put};
use scout_pipeline::Role;

use crate::pipeline_api::{settings, webhooks};
use crate::route::{Access, Answer, Body, Route, Typed};

/// The routes of this part of the table.
pub(super) const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/settings",
        access: Access::AtLeast(Role::Viewer),
        summary: "The workspace settings for outreach: our lab's name and pitch, our organisation in the corpus (warm paths start from its people), our topics, rival organisations (the move radar)",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<settings::Settings>()),
        errors: &[],
        handler: || get(settings::read),
    },
    Route {
        method: "PUT",
        path: "/api/settings",
        access: Access::AtLeast(Role::Owner),
        summary: "Replace the workspace settings (empty strings unset a field)",
        query: None,
        body: Body::Json(Typed::of::<scout_pipeline::store::WorkspaceSettings>()),
        answer: Answer::Json(200, Typed::of::<settings::Settings>()),
        errors: &[],
        handler: || put(settings::update),
    },
    Route {
        method: "GET",
        path: "/api/settings/webhooks",
        access: Access::AtLeast(Role::Owner),
        summary: "The webhooks alerts are delivered to, with each one's cursor, pending alerts and \
                  retry state (never the secret)",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<webhooks::Webhooks>()),
        errors: &[],
        handler: || get(webhooks::list),
    },
    Route {
        method: "POST",
        path: "/api/settings/webhooks",
        access: Access::AtLeast(Role::Owner),
        summary: "Register a webhook URL for alerts; answers its signing secret, this once. It \
                  receives the alerts recorded from now on, not earlier ones",
        query: None,
        body: Body::Json(Typed::of::<webhooks::NewWebhookReq>()),
        answer: Answer::Json(201, Typed::of::<webhooks::WebhookCreated>()),
        errors: &[(
            422,
            "The URL is refused (`bad_webhook_url`: not http or https, credentials, a fragment, \
             an internal address), or there are 20 webhooks already",
        )],
        handler: || post(webhooks::create),
    },
    Route {
        method: "DELETE",
        path: "/api/settings/webhooks/{id}",
        access: Access::AtLeast(Role::Owner),
        summary: "Remove a webhook: nothing more is sent to it; its secret and delivery log are \
                  deleted",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<webhooks::WebhookRemoved>()),
        errors: &[(404, "No such webhook in use")],
        handler: || delete(webhooks::remove),
    },
    Route {
        method: "GET",
        path: "/api/settings/webhooks/{id}/deliveries",
        access: Access::AtLeast(Role::Owner),
        summary: "A webhook's delivery log, newest first: each attempt's alert id, attempt \
                  number, HTTP status or error, outcome and next attempt (no payloads)",
        query: Some(Typed::of::<webhooks::DeliveriesQuery>()),
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<webhooks::Deliveries>()),
        errors: &[(404, "No such webhook in use")],
        handler: || get(webhooks::deliveries),
    },
    Route {
        method: "POST",
        path: "/api/settings/webhooks/{id}/test",
        access: Access::AtLeast(Role::Owner),
        summary: "Send the webhook a signed ping (`{\"event\":\"ping\"}`) now and answer how it \
                  went; logged, no cursor moves",
        query: None,
        body: Body::None,
        answer: Answer::Json(200, Typed::of::<webhooks::Pinged>()),
        errors: &[(404, "No such webhook in use")],
        handler: || post(webhooks::ping),
    },
];
