//! The one HTTP error type: a status, a stable code and a clear message, rendered as JSON
//! `{"error": {"code": …, "message": …}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scout_pipeline::Error as PipelineError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> Self {
        match &e {
            PipelineError::NotFound { .. } => ApiError::not_found(e.to_string()),
            PipelineError::Merged { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "merged", e.to_string())
            }
            PipelineError::IllegalMove { .. } => {
                ApiError::new(StatusCode::CONFLICT, "illegal_transition", e.to_string())
            }
            PipelineError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            PipelineError::Forbidden(_) => ApiError::forbidden(e.to_string()),
            PipelineError::BadWebhookUrl(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_webhook_url",
                e.to_string(),
            ),
            PipelineError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                e.to_string(),
            ),
            PipelineError::Db(db) => {
                if let sqlx::Error::Database(d) = db
                    && d.is_unique_violation()
                {
                    return ApiError::new(
                        StatusCode::CONFLICT,
                        "conflict",
                        "a concurrent change conflicted; try again",
                    );
                }
                tracing::error!(error = %e, "database error");
                ApiError::internal("internal database error")
            }
            _ => {
                tracing::error!(error = %e, "internal error");
                ApiError::internal(e.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Handler results.
pub type ApiResult<T> = Result<T, ApiError>;
