//! Assembles the application: state, the one place where routes are merged, middleware, the
//! OpenAPI document, and a server that binds, serves and shuts down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi};
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::assets::{self, Assets};
use crate::auth::SESSION_COOKIE;
use crate::auth::throttle::Throttle;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::setup::BackupSettings;
use crate::engine::events::Events;
use crate::engine::wakeups::NodeWakeups;
use crate::engine::{self, Liveness};
use crate::error::{self, ApiError};
use crate::http::{self, Purpose};
use crate::store::{SqliteStore, Store};

/// Default request body limit (API-CONVENTIONS); larger only where a route says so.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The setup wizard's forms are a few short fields.
pub const SETUP_BODY_LIMIT: usize = 16 * 1024;
/// Longest an API request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub throttle: Arc<Throttle>,
    /// Announcements per client address.
    pub announce_throttle: Arc<Throttle>,
    pub assets: Arc<Assets>,
    pub events: Arc<Events>,
    pub wakeups: Arc<NodeWakeups>,
    pub liveness: Arc<Liveness>,
    /// Wakes the schedule runner when schedules change.
    pub schedules_changed: Arc<tokio::sync::Notify>,
    /// One schedule evaluation at a time (the runner's, a request's, a restore's): each decides
    /// from a snapshot, so two at once would both fire the same occurrence.
    pub schedules_turn: Arc<tokio::sync::Mutex<()>>,
    pub backup_jobs: Arc<engine::backups::BackupJobs>,
    /// Cancelled when the server shuts down: event streams and long polls end with it.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// Off with a frozen test clock: then work that would run in the background runs inline, so
    /// every answer and row is deterministic.
    pub background: Background,
    /// Where backups go and when: the configuration's values until the database holds a choice
    /// (the setup wizard's), which `start_with_store` loads and the wizard updates.
    backup_settings: Arc<std::sync::RwLock<BackupSettings>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config, clock: Arc<dyn Clock>) -> Self {
        let assets = match &config.dashboard_dir {
            Some(dir) => Assets::Dir(dir.clone()),
            None => Assets::Embedded,
        };
        let first_event_id = u64::try_from(clock.now_ms()).unwrap_or(1);
        let backup_settings = BackupSettings::from_config(&config);
        Self {
            store,
            config: Arc::new(config),
            clock,
            throttle: Arc::new(Throttle::default()),
            announce_throttle: Arc::new(Throttle::new(30, 60_000)),
            assets: Arc::new(assets),
            events: Arc::new(Events::new(first_event_id)),
            wakeups: Arc::new(NodeWakeups::default()),
            liveness: Arc::new(Liveness::default()),
            schedules_changed: Arc::new(tokio::sync::Notify::new()),
            schedules_turn: Arc::new(tokio::sync::Mutex::new(())),
            backup_jobs: Arc::new(engine::backups::BackupJobs::default()),
            shutdown: tokio_util::sync::CancellationToken::new(),
            background: Background::Run,
            backup_settings: Arc::new(std::sync::RwLock::new(backup_settings)),
        }
    }

    /// The backup folder and daily time in effect now.
    pub fn backup_settings(&self) -> BackupSettings {
        self.backup_settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_backup_settings(&self, settings: BackupSettings) {
        *self.backup_settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Puts the stored backup settings (the wizard's), else the configuration's, into effect:
    /// at start, and after a restore replaced the data that holds them.
    pub async fn reload_backup_settings(&self) -> crate::domain::error::Result<()> {
        let stored = self.store.backup_settings_get().await?;
        self.set_backup_settings(stored.unwrap_or_else(|| BackupSettings::from_config(&self.config)));
        Ok(())
    }
}

/// Every API route (with its OpenAPI description when `purpose` is `Document`).
fn api_routes(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(http::health::router(purpose))
        .merge(http::auth::router(purpose))
        .merge(http::users::router(purpose))
        .merge(http::api_tokens::router(purpose))
        .merge(http::site::router(purpose))
        .merge(http::nodes::router(purpose))
        .merge(http::sensors::router(purpose))
        .merge(http::outputs::router(purpose))
        .merge(http::metrics::router(purpose))
        .merge(http::dashboard::router(purpose))
        .merge(http::events::router(purpose))
        .merge(http::node_api::router(purpose))
        .merge(http::schedules::router(purpose))
        .merge(http::action_logs::router(purpose))
        .merge(http::adoption::router(purpose))
}

/// Routes whose work can outlast the request timeout: backups of a large database, restores,
/// and uploads of up to 2 GiB.
fn long_routes(purpose: Purpose) -> OpenApiRouter<AppState> {
    http::backups::router(purpose)
}

/// The OpenAPI document, generated from the route declarations.
pub fn openapi() -> OpenApi {
    let mut doc = api_routes(Purpose::Document).merge(long_routes(Purpose::Document)).into_openapi();
    doc.info = InfoBuilder::new()
        .title("Farm Controller core-server")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The REST API of the farm controller. Errors use one JSON shape: \
             {\"error\": {\"code\", \"message\", \"details\": [{\"field\", \"problem\"}]}}.",
        ))
        .build();
    let mut components = doc.components.take().unwrap_or_else(|| ComponentsBuilder::new().build());
    components.add_security_scheme(
        http::SESSION_COOKIE_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
    );
    components.add_security_scheme(http::BEARER_SCHEME, SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    for (name, response) in error_responses() {
        components.responses.insert(name, response);
    }
    // The error responses refer to ErrorBody; register it and what it contains.
    let mut schemas = vec![(error::ErrorBody::name().into_owned(), error::ErrorBody::schema())];
    error::ErrorBody::schemas(&mut schemas);
    components.schemas.extend(schemas);
    doc.components = Some(components);
    doc
}

fn error_responses() -> Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>)> {
    use utoipa::ToResponse;
    vec![
        error::BadRequest::response(),
        error::Unauthenticated::response(),
        error::Forbidden::response(),
        error::NotFound::response(),
        error::Conflict::response(),
        error::PayloadTooLarge::response(),
        error::ValidationFailed::response(),
        error::RateLimited::response(),
        error::Unavailable::response(),
    ]
    .into_iter()
    .map(|(name, response)| (name.to_owned(), response))
    .collect()
}

/// The document as committed in `openapi/core-server.json`: sorted keys, two-space indent,
/// trailing newline, so regenerating it is byte-identical.
pub fn openapi_json() -> String {
    let value = serde_json::to_value(openapi()).expect("the OpenAPI document serializes");
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// Non-API paths get the dashboard; unknown API paths a JSON 404. Until an admin exists, the
/// dashboard's pages (`/` and client-side routes, not its files) send the browser to `/setup`.
async fn fallback(State(state): State<AppState>, method: Method, uri: Uri, request: Request) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::new(StatusCode::NOT_FOUND, format!("no route for {path}")).into_response();
    }
    let is_page = !path.rsplit('/').next().unwrap_or_default().contains('.');
    if (method == Method::GET || method == Method::HEAD) && is_page {
        match state.store.setup_state().await {
            Ok(setup) if !setup.admin_exists => {
                return (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/setup")]).into_response();
            }
            Ok(_) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    assets::serve(&state.assets, &method, path, request.headers())
}

pub fn build_router(state: AppState) -> Router {
    let (api, _) = api_routes(Purpose::Serve).split_for_parts();
    let (long, _) = long_routes(Purpose::Serve).split_for_parts();
    let x_request_id = HeaderName::from_static("x-request-id");
    let api = api
        .layer(
            ServiceBuilder::new()
                .layer(DefaultBodyLimit::max(BODY_LIMIT))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT)),
        )
        .merge(long.layer(DefaultBodyLimit::max(BODY_LIMIT)))
        // HTML, not API: the wizard's pages stay out of the OpenAPI document.
        .merge(
            http::setup::router().layer(
                ServiceBuilder::new()
                    .layer(DefaultBodyLimit::max(SETUP_BODY_LIMIT))
                    .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT)),
            ),
        );
    api.fallback(fallback).with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path(), id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(x_request_id))
            .layer(CompressionLayer::new())
            .layer(axum::middleware::from_fn(error::envelope))
            .layer(CatchPanicLayer::custom(error::panic_response)),
    )
}

/// A server running in the background (tests, `serve`).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    engine: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, then closes the database.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        // Long-lived responses (event streams, long polls) would hold graceful shutdown open.
        self.state.shutdown.cancel();
        let _ = self.shutdown.send(());
        self.task.await.context("server task")?.context("server")?;
        for task in self.engine {
            task.abort();
        }
        self.state.store.close();
        Ok(())
    }

    /// Resolves when the server stops by itself (it only does on error).
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("server task")?.context("server")
    }
}

/// Whether the background engine runs (tests drive `engine::tick` themselves instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Run,
    Off,
}

/// Opens the database (migrating it), binds `config.listen` and serves in the background.
pub async fn start(config: Config, clock: Arc<dyn Clock>, background: Background) -> anyhow::Result<Running> {
    let store = open_store(&config, clock.as_ref()).await?;
    start_with_store(config, clock, store, background).await
}

pub async fn open_store(config: &Config, clock: &dyn Clock) -> anyhow::Result<Arc<dyn Store>> {
    let path = config.database.clone();
    let now = clock.now_ms();
    let count = config.count_statements;
    let store = tokio::task::spawn_blocking(move || SqliteStore::open_with(&path, now, count)).await??;
    Ok(Arc::new(store))
}

pub async fn start_with_store(
    config: Config,
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    background: Background,
) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let mut state = AppState::new(store, config, clock);
    state.background = background;
    state.reload_backup_settings().await?;
    let app = build_router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    let engine = if background == Background::Run {
        let mut tasks = vec![
            tokio::spawn(engine::run(state.clone())),
            tokio::spawn(engine::schedules::run(state.clone())),
            tokio::spawn(engine::backups::run(state.clone())),
        ];
        if state.config.mdns {
            tasks.push(tokio::spawn(engine::discovery::run(state.clone())));
        }
        tasks
    } else {
        Vec::new()
    };
    Ok(Running { addr, state, shutdown: tx, task, engine })
}

/// A future that resolves on SIGINT or SIGTERM. The handlers are installed now, when this is
/// called, not when the future is first polled.
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
