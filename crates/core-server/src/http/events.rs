//! `GET /api/events`: Server-Sent Events for the dashboard.

use std::convert::Infallible;
use std::time::Duration;

use super::{Purpose, routes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::NodesView;
use crate::engine::events::Event;

pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purpose; events_stream))
}

fn to_sse(event: &Event) -> SseEvent {
    SseEvent::default().id(event.id.to_string()).event(event.kind).data(&event.data)
}

/// Tells the client it missed events and should reload its state.
fn reset() -> SseEvent {
    SseEvent::default().event("reset").data("{}")
}

/// One event of the stream as a client's parser reads it (the schema of each event).
pub struct StreamEvent;

impl utoipa::PartialSchema for StreamEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::ObjectBuilder;
        use utoipa::openapi::schema::Type;
        let text = |description: &str| ObjectBuilder::new().schema_type(Type::String).description(Some(description));
        ObjectBuilder::new()
            .property("event", text("`node`, `sensor`, `reading`, `output`, `command`, `backup`, `alarm`, or `reset`."))
            .property("id", text("Pass as `Last-Event-ID` to resume after this event; absent on `reset`."))
            .property("data", text("The JSON payload, as text."))
            .required("event")
            .required("data")
            .into()
    }
}

impl utoipa::ToSchema for StreamEvent {}

/// Live updates: `node`, `sensor`, `reading` (at most one per sensor per second), `output`,
/// `command`, `backup` and `alarm` events with JSON data, each with an id. Reconnect with
/// `Last-Event-ID` to resume; a `reset` event means too much was missed: reload the state. A
/// keep-alive comment comes every 15 s.
#[utoipa::path(
    get, path = "/api/events", tag = "events",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = StreamEvent),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn events_stream(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let sub = state.events.subscribe(last);
    let first: Vec<SseEvent> = sub.reset.then(reset).into_iter().chain(sub.backlog.iter().map(|e| to_sse(e))).collect();
    let live = stream::unfold(sub.live, |mut rx| async move {
        match rx.recv().await {
            Ok(event) => Some((to_sse(&event), rx)),
            Err(RecvError::Lagged(_)) => Some((reset(), rx)),
            Err(RecvError::Closed) => None,
        }
    });
    let stream = stream::iter(first).chain(live).take_until(state.shutdown.clone().cancelled_owned()).map(Ok);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
