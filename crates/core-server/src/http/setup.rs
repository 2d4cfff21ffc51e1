//! The first-run wizard at `/setup`: server-rendered HTML (askama, `templates/setup/`) that
//! works without JavaScript; htmx, served from the binary, only swaps a step's form in place.
//!
//! Who may see what is decided by `domain::setup::gate` from the database and one cookie,
//! `farm_setup` (HttpOnly, SameSite=Strict, Path=/setup): while no admin exists, anyone may
//! create one; the browser that did finishes the remaining steps; after that, and for everyone
//! else, every `/setup` path answers 303 to `/`. Every form carries a CSRF token derived from
//! that cookie (double submit): a cross-site form can neither send the cookie nor know the
//! token. These are HTML pages, not API: they are not in the OpenAPI document.

use std::sync::OnceLock;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::extract::cookie_value;
use crate::auth::secrets;
use crate::domain::Error;
use crate::domain::FieldError;
use crate::domain::nodes::parse_name;
use crate::domain::setup::{self, BackupSettings, Gate};
use crate::domain::site::parse_timezone;
use crate::domain::users::{PASSWORD_MAX, PASSWORD_MIN, Password, Username};
use crate::error::ApiError;
use crate::store::site::SiteChange;

pub const SETUP_COOKIE: &str = "farm_setup";
/// htmx 2.0.11 from the npm registry tarball `htmx.org-2.0.11.tgz`, file `dist/htmx.min.js`,
/// sha256 d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717 (0BSD licence).
pub const HTMX_JS: &[u8] = include_bytes!("../../assets/htmx.min.js");
pub const HTMX_PATH: &str = "/setup/assets/htmx-2.0.11.min.js";
/// The wizard cookie outlives a coffee break, not a week.
const COOKIE_MAX_AGE_SECS: i64 = 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", get(admin_page).post(admin_submit))
        .route("/setup/site", get(site_page).post(site_submit))
        .route("/setup/backup", get(backup_page).post(backup_submit))
        .route("/setup/done", get(done_page))
        .route("/setup/finish", axum::routing::post(finish_submit))
        .route(HTMX_PATH, get(htmx_js))
        .route("/setup/{*rest}", axum::routing::any(unknown))
}

/// Any other `/setup` path goes where the caller belongs.
async fn unknown(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    Ok(elsewhere(gate(&state, &Caller::of(&state, &headers)).await?))
}

/// Field errors as the templates look them up.
#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.problem.as_str())
    }

    fn push(&mut self, result: Result<(), Error>) {
        if let Err(Error::Validation(fields)) = result {
            self.0.extend(fields);
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Runs a parser, keeping its value or its field errors.
fn check<T>(errors: &mut Errors, result: Result<T, Error>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(Err(e));
            None
        }
    }
}

const STEPS: [&str; 4] = ["Admin account", "Site", "Backups", "Finish"];

#[derive(Template)]
#[template(path = "setup/admin.html", blocks = ["form"])]
struct AdminStep {
    step: usize,
    steps: &'static [&'static str],
    csrf: String,
    username: String,
    password_min: usize,
    password_max: usize,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "setup/site.html", blocks = ["form"])]
struct SiteStep {
    step: usize,
    steps: &'static [&'static str],
    csrf: String,
    name: String,
    timezone: String,
    zones: &'static [&'static str],
    errors: Errors,
}

#[derive(Template)]
#[template(path = "setup/backup.html", blocks = ["form"])]
struct BackupStep {
    step: usize,
    steps: &'static [&'static str],
    csrf: String,
    dir: String,
    daily: bool,
    daily_at: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "setup/done.html", blocks = ["form"])]
struct DoneStep {
    step: usize,
    steps: &'static [&'static str],
    csrf: String,
    username: String,
    site_name: String,
    timezone: String,
    backup_dir: String,
    backup_schedule: String,
}

#[derive(Template)]
#[template(path = "setup/refused.html")]
struct Refused {
    step: usize,
    steps: &'static [&'static str],
}

/// A wizard page whose `form` block is also served alone, to htmx.
trait Step: Template {
    fn form(&self) -> askama::Result<String>;
}

macro_rules! steps {
    ($($t:ty),*) => {$(
        impl Step for $t {
            fn form(&self) -> askama::Result<String> {
                self.as_form().render()
            }
        }
    )*};
}

steps!(AdminStep, SiteStep, BackupStep, DoneStep);

/// The request as far as the wizard cares: its setup cookie and whether htmx sent it.
struct Caller {
    cookie: Option<String>,
    htmx: bool,
    tls: bool,
}

impl Caller {
    fn of(state: &AppState, headers: &HeaderMap) -> Self {
        let tls = state.config.secure_cookies
            || headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https"));
        Self {
            cookie: cookie_value(headers, SETUP_COOKIE).filter(|c| !c.is_empty()).map(str::to_owned),
            htmx: headers.get("hx-request").is_some_and(|v| v == "true"),
            tls,
        }
    }

    fn digest(&self) -> Option<String> {
        self.cookie.as_deref().map(secrets::digest)
    }

    /// The form token: derived from the cookie, so the page never shows the cookie itself.
    fn csrf(&self) -> String {
        self.cookie.as_deref().map(csrf_token).unwrap_or_default()
    }

    /// A form is ours when its token matches this browser's cookie.
    fn passes_csrf(&self, token: &str) -> bool {
        self.cookie.as_deref().is_some_and(|c| constant_time_eq(csrf_token(c).as_bytes(), token.as_bytes()))
    }

    fn set_cookie(&self, name: &str, value: &str, max_age_secs: i64, path: &str) -> HeaderValue {
        let secure = if self.tls { "; Secure" } else { "" };
        let cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
        HeaderValue::from_str(&cookie).expect("cookie from URL-safe characters")
    }
}

fn csrf_token(cookie: &str) -> String {
    secrets::digest(&format!("setup-csrf:{cookie}"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn gate(state: &AppState, caller: &Caller) -> Result<Gate, ApiError> {
    let db = state.store.setup_state().await?;
    Ok(setup::gate(&db, caller.digest().as_deref()))
}

/// The browser that may continue the wizard (steps 2 to 4), with the id of the admin it
/// created; any other request gets the redirect to where it belongs instead.
async fn continuing(state: &AppState, headers: &HeaderMap) -> Result<Result<(Caller, i64), Response>, ApiError> {
    let caller = Caller::of(state, headers);
    Ok(match gate(state, &caller).await? {
        Gate::Continue { admin_id } => Ok((caller, admin_id)),
        other => Err(elsewhere(other)),
    })
}

/// `continuing` for a form post, which must also carry this browser's CSRF token.
async fn continuing_post(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Result<(Caller, i64), Response>, ApiError> {
    Ok(match continuing(state, headers).await? {
        Ok((caller, _)) if !caller.passes_csrf(csrf) => Err(refused()?),
        other => other,
    })
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_str(location).expect("a path"))]).into_response()
}

/// Where the caller belongs when it asked for a step it may not use.
fn elsewhere(gate: Gate) -> Response {
    match gate {
        Gate::CreateAdmin => see_other("/setup"),
        Gate::Continue { .. } => see_other("/setup/site"),
        Gate::Closed => see_other("/"),
    }
}

/// After a successful step: a 303 for a plain form, a full navigation for htmx (the next step
/// is a new page, and the last one sets cookies and leaves for the dashboard).
fn next_step(caller: &Caller, location: &str) -> Response {
    if caller.htmx {
        let mut response = StatusCode::OK.into_response();
        response.headers_mut().insert("hx-redirect", HeaderValue::from_str(location).expect("a path"));
        response
    } else {
        see_other(location)
    }
}

/// The whole page, or only its form for htmx. Never cached: it holds a CSRF token.
fn page<T: Step>(template: &T, caller: &Caller, status: StatusCode) -> Result<Response, ApiError> {
    let html = if caller.htmx { template.form() } else { template.render() };
    let html = html.map_err(|e| ApiError::internal(e.into()))?;
    Ok((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html)
        .into_response())
}

/// A form without this browser's token: from another site, or from before the cookie expired.
fn refused() -> Result<Response, ApiError> {
    let html = Refused { step: 0, steps: &STEPS }.render().map_err(|e| ApiError::internal(e.into()))?;
    Ok((StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

// ---- step 1: the admin account -------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AdminForm {
    csrf: String,
    username: String,
    password: String,
    password_confirm: String,
}

fn admin_step(caller: &Caller, username: String, errors: Errors) -> AdminStep {
    AdminStep {
        step: 1,
        steps: &STEPS,
        csrf: caller.csrf(),
        username,
        password_min: PASSWORD_MIN,
        password_max: PASSWORD_MAX,
        errors,
    }
}

async fn admin_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let mut caller = Caller::of(&state, &headers);
    let gate = gate(&state, &caller).await?;
    if gate != Gate::CreateAdmin {
        return Ok(elsewhere(gate));
    }
    let minted = caller.cookie.is_none().then(secrets::random_secret);
    if let Some(value) = &minted {
        caller.cookie = Some(value.clone());
    }
    let mut response = page(&admin_step(&caller, String::new(), Errors::default()), &caller, StatusCode::OK)?;
    if let Some(value) = minted {
        let cookie = caller.set_cookie(SETUP_COOKIE, &value, COOKIE_MAX_AGE_SECS, "/setup");
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

async fn admin_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<AdminForm>,
) -> Result<Response, ApiError> {
    let caller = Caller::of(&state, &headers);
    let gate = gate(&state, &caller).await?;
    if gate != Gate::CreateAdmin {
        // A reload after the admin was created: no second admin, just the next step.
        return Ok(elsewhere(gate));
    }
    if !caller.passes_csrf(&form.csrf) {
        return refused();
    }
    let mut errors = Errors::default();
    let username = check(&mut errors, Username::parse("username", form.username.trim()));
    let password = check(&mut errors, Password::parse("password", &form.password));
    if form.password_confirm != form.password {
        errors.0.push(FieldError::new("password_confirm", "does not match the password"));
    }
    let (Some(username), Some(password), true) = (username, password, errors.is_empty()) else {
        let step = admin_step(&caller, form.username, errors);
        return page(&step, &caller, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let hash = super::users::hash_off_thread(password).await?;
    let token_hash = caller.digest().expect("checked by passes_csrf");
    match state.store.setup_admin_create(&username, hash, token_hash, state.clock.now_ms()).await {
        Ok(user) => {
            tracing::info!(username = %user.username, "setup: the first admin was created");
            Ok(next_step(&caller, "/setup/site"))
        }
        Err(Error::Conflict(message)) if message == crate::store::setup::ADMIN_EXISTS => {
            Ok(elsewhere(self::gate(&state, &caller).await?))
        }
        Err(Error::Conflict(message)) => {
            let errors = Errors(vec![FieldError::new("username", message)]);
            page(&admin_step(&caller, form.username, errors), &caller, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- step 2: site name and time zone -------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SiteForm {
    csrf: String,
    name: String,
    timezone: String,
}

/// Every IANA zone name chrono-tz knows, except the `Etc/` offsets, with `UTC` first.
fn zones() -> &'static [&'static str] {
    static ZONES: OnceLock<Vec<&'static str>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/"))
            .collect();
        names.sort_unstable();
        names.insert(0, "UTC");
        names
    })
}

async fn site_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, _) = match continuing(&state, &headers).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let site = state.store.site_get().await?;
    let step = SiteStep {
        step: 2,
        steps: &STEPS,
        csrf: caller.csrf(),
        name: site.name,
        timezone: site.timezone,
        zones: zones(),
        errors: Errors::default(),
    };
    page(&step, &caller, StatusCode::OK)
}

async fn site_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SiteForm>,
) -> Result<Response, ApiError> {
    let (caller, _) = match continuing_post(&state, &headers, &form.csrf).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let mut errors = Errors::default();
    let name = check(&mut errors, parse_name("name", &form.name));
    let timezone = check(&mut errors, parse_timezone("timezone", form.timezone.trim()));
    let (Some(name), Some(timezone)) = (name, timezone) else {
        let step = SiteStep {
            step: 2,
            steps: &STEPS,
            csrf: caller.csrf(),
            name: form.name,
            timezone: form.timezone,
            zones: zones(),
            errors,
        };
        return page(&step, &caller, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let change = SiteChange { name: Some(name), timezone: Some(timezone), units: None };
    state.store.site_update(change, state.clock.now_ms()).await?;
    Ok(next_step(&caller, "/setup/backup"))
}

// ---- step 3: backup location and schedule --------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BackupForm {
    csrf: String,
    dir: String,
    /// `daily` or `off`.
    schedule: String,
    daily_at: String,
}

async fn backup_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, _) = match continuing(&state, &headers).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let current = state.backup_settings();
    let dir = std::path::absolute(&current.dir).unwrap_or(current.dir);
    let step = BackupStep {
        step: 3,
        steps: &STEPS,
        csrf: caller.csrf(),
        dir: dir.display().to_string(),
        daily: current.daily_at.is_some(),
        daily_at: current.daily_at.unwrap_or_else(|| "03:00".into()),
        errors: Errors::default(),
    };
    page(&step, &caller, StatusCode::OK)
}

async fn backup_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<BackupForm>,
) -> Result<Response, ApiError> {
    let (caller, _) = match continuing_post(&state, &headers, &form.csrf).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let mut errors = Errors::default();
    let daily = form.schedule != "off";
    let daily_at =
        if daily { check(&mut errors, setup::parse_daily_at("daily_at", &form.daily_at)) } else { Some(None) };
    let dir = check(&mut errors, setup::parse_backup_dir("dir", &form.dir));
    // Only a request that is otherwise valid touches the file system.
    if let (Some(dir), true) = (&dir, errors.is_empty()) {
        errors.push(crate::engine::backups::check_writable(dir.clone()).await);
    }
    let (Some(dir), Some(daily_at), true) = (dir, daily_at, errors.is_empty()) else {
        let step = BackupStep {
            step: 3,
            steps: &STEPS,
            csrf: caller.csrf(),
            dir: form.dir,
            daily,
            daily_at: form.daily_at,
            errors,
        };
        return page(&step, &caller, StatusCode::UNPROCESSABLE_ENTITY);
    };
    crate::engine::backups::change_settings(&state, BackupSettings { dir, daily_at }).await?;
    Ok(next_step(&caller, "/setup/done"))
}

// ---- step 4: summary, then logged in on the dashboard ---------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FinishForm {
    csrf: String,
}

async fn done_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, admin_id) = match continuing(&state, &headers).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let admin = state.store.user_get(admin_id).await?;
    let site = state.store.site_get().await?;
    let backups = state.backup_settings();
    let step = DoneStep {
        step: 4,
        steps: &STEPS,
        csrf: caller.csrf(),
        username: admin.username,
        site_name: site.name,
        timezone: site.timezone,
        backup_dir: backups.dir.display().to_string(),
        backup_schedule: match backups.daily_at {
            Some(at) => format!("daily at {at}"),
            None => "off (back up by hand from the dashboard)".into(),
        },
    };
    page(&step, &caller, StatusCode::OK)
}

async fn finish_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FinishForm>,
) -> Result<Response, ApiError> {
    let (caller, admin_id) = match continuing_post(&state, &headers, &form.csrf).await? {
        Ok(continuing) => continuing,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let token_hash = caller.digest().expect("checked by passes_csrf");
    if !state.store.setup_complete(token_hash, state.clock.now_ms()).await? {
        return Ok(see_other("/"));
    }
    let admin = state.store.user_get(admin_id).await?;
    let (session, _) = super::auth::start_session(&state, &headers, admin).await?;
    tracing::info!("setup: finished; the admin is logged in");
    let mut response = next_step(&caller, "/");
    response.headers_mut().append(header::SET_COOKIE, session);
    response.headers_mut().append(header::SET_COOKIE, caller.set_cookie(SETUP_COOKIE, "", 0, "/setup"));
    Ok(response)
}

async fn htmx_js(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = Caller::of(&state, &headers);
    let gate = gate(&state, &caller).await?;
    if gate == Gate::Closed {
        return Ok(elsewhere(gate));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        HTMX_JS,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    #[test]
    fn vendored_htmx_is_the_pinned_release() {
        assert_eq!(
            hex::encode(Sha256::digest(super::HTMX_JS)),
            "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
        );
    }

    #[test]
    fn zones_include_common_ones_and_parse() {
        let zones = super::zones();
        assert_eq!(zones[0], "UTC");
        for z in ["Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe"] {
            assert!(zones.contains(&z), "{z}");
        }
        assert!(zones.iter().all(|z| z.parse::<chrono_tz::Tz>().is_ok()));
    }
}
