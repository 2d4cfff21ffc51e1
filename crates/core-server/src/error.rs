//! The HTTP boundary for errors: `ApiError` carries a status, a stable code, a human message
//! and field details, and renders the JSON error body of API-CONVENTIONS. `envelope` makes every
//! other error under `/api` and `/healthz` (axum's own rejections, 405, 413, timeouts, panics)
//! take the same shape, and keeps internal detail in the log behind a request id.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

use crate::domain::{Error, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    ValidationFailed,
    TokenExpired,
    RateLimited,
    Internal,
    Unavailable,
}

impl ErrorCode {
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            422 => Self::ValidationFailed,
            429 => Self::RateLimited,
            503 | 504 | 408 => Self::Unavailable,
            500..=599 => Self::Internal,
            _ => Self::BadRequest,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Where in the request: `username`, `blocks[0].end`, or a query parameter's name.
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// Which fields were wrong (validation errors); empty otherwise.
    pub details: Vec<FieldProblem>,
    /// Present on internal errors: quote it when reporting, the detail is in the server log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

macro_rules! error_responses {
    ($($name:ident => $desc:literal),* $(,)?) => {$(
        #[derive(ToResponse)]
        #[response(description = $desc)]
        #[allow(dead_code)]
        pub struct $name(ErrorBody);
    )*};
}

error_responses! {
    BadRequest => "Malformed JSON or query string",
    Unauthenticated => "No session or token, or an invalid one",
    Forbidden => "Authenticated, but lacking the capability (or a cross-site cookie request)",
    NotFound => "No such resource",
    Conflict => "The change conflicts with the current state",
    PayloadTooLarge => "The request body is over the limit",
    ValidationFailed => "Well-formed but invalid; details name the fields",
    RateLimited => "Too many attempts; see Retry-After",
    Unavailable => "Not ready (database unusable, migrations pending, shutting down)",
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Vec<FieldProblem>,
    retry_after_secs: Option<u64>,
    internal: Option<anyhow::Error>,
}

/// Marks a response as an internal error whose detail `envelope` logs with the request id.
#[derive(Clone)]
struct InternalDetail(std::sync::Arc<String>);

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: ErrorCode::for_status(status),
            message: message.into(),
            details: Vec::new(),
            retry_after_secs: None,
            internal: None,
        }
    }

    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = code;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Error::Validation(fields).into()
    }

    pub fn internal(err: anyhow::Error) -> Self {
        Error::Internal(err).into()
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let message = err.to_string();
        match err {
            Error::Validation(fields) => Self {
                details: fields.into_iter().map(|f| FieldProblem { field: f.field, problem: f.problem }).collect(),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
            },
            Error::BadRequest(_) => Self::new(StatusCode::BAD_REQUEST, message),
            Error::Unauthenticated(_) => Self::new(StatusCode::UNAUTHORIZED, message),
            Error::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, message),
            Error::NotFound(_) => Self::new(StatusCode::NOT_FOUND, message),
            Error::Conflict(_) => Self::new(StatusCode::CONFLICT, message),
            Error::RateLimited { retry_after_secs } => {
                Self { retry_after_secs: Some(retry_after_secs), ..Self::new(StatusCode::TOO_MANY_REQUESTS, message) }
            }
            Error::Unavailable(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, message),
            Error::TokenExpired => Self {
                details: vec![FieldProblem { field: "token".into(), problem: "has expired".into() }],
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, message).with_code(ErrorCode::TokenExpired)
            },
            Error::Internal(e) => {
                Self { internal: Some(e), ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error") }
            }
        }
    }
}

fn json_error(status: StatusCode, detail: ErrorDetail) -> Response {
    let body = serde_json::to_vec(&ErrorBody { error: detail }).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let detail = ErrorDetail { code: self.code, message: self.message, details: self.details, request_id: None };
        let mut response = json_error(self.status, detail);
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(err) = self.internal {
            response.extensions_mut().insert(InternalDetail(std::sync::Arc::new(format!("{err:#}"))));
        }
        response
    }
}

/// Converts a panic into an internal error (logged by `envelope`, never shown to the client).
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned());
    ApiError::internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

fn wants_json_errors(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

/// Longest plain-text error body reused as a message (axum's rejections are one short line).
const MAX_TEXT_MESSAGE: usize = 1024;

/// Middleware: every error response under `/api` and `/healthz` leaves as the JSON error body,
/// and internal errors are logged with their request id, which is the only detail returned.
pub async fn envelope(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let response = next.run(request).await;
    let status = response.status();

    if let Some(InternalDetail(detail)) = response.extensions().get::<InternalDetail>().cloned() {
        tracing::error!(request_id = %request_id, path = %path, "internal error: {detail}");
        let detail = ErrorDetail {
            code: ErrorCode::Internal,
            message: format!("internal error; the server log has the details under request id {request_id}"),
            details: Vec::new(),
            request_id: Some(request_id),
        };
        return json_error(status, detail);
    }

    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json || !wants_json_errors(&path) {
        return response;
    }

    let (parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_TEXT_MESSAGE).await.ok().and_then(|b| String::from_utf8(b.to_vec()).ok());
    let message = match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() && !status.is_server_error() => t.to_owned(),
        _ => default_message(status, &path),
    };
    if status.is_server_error() {
        tracing::error!(request_id = %request_id, path = %path, status = status.as_u16(), "server error: {}", text.unwrap_or_default());
    }
    let detail = ErrorDetail {
        code: ErrorCode::for_status(status),
        message,
        details: Vec::new(),
        request_id: status.is_server_error().then_some(request_id),
    };
    let mut out = json_error(status, detail);
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

fn default_message(status: StatusCode, path: &str) -> String {
    match status {
        StatusCode::NOT_FOUND => format!("no route for {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("method not allowed for {path}"),
        StatusCode::PAYLOAD_TOO_LARGE => "request body is too large".to_owned(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            "the server could not answer in time".to_owned()
        }
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    }
}
