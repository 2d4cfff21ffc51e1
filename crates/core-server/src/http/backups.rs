//! Backups: list, create (202, progress as `backup` events), download, delete, upload, restore,
//! and the settings (folder, daily time) the setup wizard first chose.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::{BackupsManage, BackupsView};
use crate::backup::{self, Kind, Manifest, Status};
use crate::domain::error::Error;
use crate::domain::setup;
use crate::engine::backups::{self as jobs, RunningBackup};
use crate::error::ApiError;

/// Largest upload accepted.
pub const UPLOAD_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    let upload = OpenApiRouter::new().routes(routes!(purpose; backup_upload)).layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(purpose; backups_list, backup_create))
        .routes(routes!(purpose; backup_settings_get, backup_settings_update))
        .routes(routes!(purpose; backup_get, backup_delete))
        .routes(routes!(purpose; backup_download))
        .routes(routes!(purpose; backup_restore))
        .routes(routes!(purpose; backup_verify))
        .merge(upload)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupList {
    /// Newest first; only `verified` ones are good to restore.
    pub items: Vec<Manifest>,
    /// Backups being written now.
    pub running: Vec<RunningBackup>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupCreate {
    /// Answer when the backup is written and verified (201 with its manifest) instead of at
    /// once (202); for scripts.
    pub wait: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupStarted {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupRestore {
    /// The backup's name, typed again: restoring replaces everything.
    pub confirm: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupRestored {
    pub restored: String,
    /// The backup of the data as it was just before, in case this was a mistake.
    pub safety_backup: String,
}

/// Where backups go and when the daily one runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSettings {
    /// The backups folder, an absolute path.
    pub dir: String,
    /// `HH:MM` in the site's time zone; `null`: no scheduled backups (back up by hand).
    pub daily_at: Option<String>,
}

impl From<setup::BackupSettings> for BackupSettings {
    fn from(settings: setup::BackupSettings) -> Self {
        // The configuration's folder may be relative to the working directory.
        let dir = std::path::absolute(&settings.dir).unwrap_or(settings.dir);
        Self { dir: dir.display().to_string(), daily_at: settings.daily_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupSettingsUpdate {
    /// An absolute folder path such as `/var/backups/farm`; it is created if needed and must be
    /// writable.
    pub dir: String,
    /// `HH:MM` (24-hour) in the site's time zone; `null` (or `"off"`, as in the configuration)
    /// turns scheduled backups off.
    pub daily_at: Option<String>,
}

fn checked(name: &str) -> Result<&str, ApiError> {
    if backup::check_name(name) { Ok(name) } else { Err(Error::NotFound("backup").into()) }
}

fn manifest(state: &AppState, name: &str) -> Result<Manifest, ApiError> {
    backup::read_manifest(&jobs::dir(state), checked(name)?).map_err(|_| Error::NotFound("backup").into())
}

/// Backups, newest first, with their verification result, and those being written.
#[utoipa::path(
    get, path = "/api/backups", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Backups", body = BackupList),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn backups_list(State(state): State<AppState>, _: Authz<BackupsView>) -> Result<Json<BackupList>, ApiError> {
    let items = backup::list(&jobs::dir(&state)).map_err(ApiError::internal)?;
    Ok(Json(BackupList { items, running: state.backup_jobs.running() }))
}

/// Start a backup (send `{}`). It is written and verified in the background: follow `backup`
/// events, or the list. With `"wait": true` the answer comes when it is done.
#[utoipa::path(
    post, path = "/api/backups", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = BackupCreate,
    responses(
        (status = 201, description = "Written and verified (or failed: see status)", body = Manifest),
        (status = 202, description = "Started", body = BackupStarted),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn backup_create(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Json(options): Json<BackupCreate>,
) -> Result<Response, ApiError> {
    let name = backup::name_for(&jobs::dir(&state), Kind::Manual, state.clock.now_ms());
    if options.wait == Some(true) {
        let manifest = jobs::create(&state, Kind::Manual, name).await?;
        return Ok((StatusCode::CREATED, Json(manifest)).into_response());
    }
    let task_state = state.clone();
    let task_name = name.clone();
    let task = async move {
        if let Err(e) = jobs::create(&task_state, Kind::Manual, task_name).await {
            tracing::error!("backup failed: {e}");
        }
    };
    match state.background {
        crate::app::Background::Run => drop(tokio::spawn(task)),
        crate::app::Background::Off => task.await,
    }
    Ok((StatusCode::ACCEPTED, Json(BackupStarted { name })).into_response())
}

/// Where backups go and when the daily one runs.
#[utoipa::path(
    get, path = "/api/backups/settings", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The settings in effect", body = BackupSettings),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn backup_settings_get(State(state): State<AppState>, _: Authz<BackupsView>) -> Json<BackupSettings> {
    Json(state.backup_settings().into())
}

/// Change the backups folder and the daily backup time. The folder is created if needed and must
/// take a file; backups already written stay in the old folder. Nothing changes on a 422.
#[utoipa::path(
    put, path = "/api/backups/settings", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = BackupSettingsUpdate,
    responses(
        (status = 200, description = "The new settings, in effect", body = BackupSettings),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn backup_settings_update(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Json(body): Json<BackupSettingsUpdate>,
) -> Result<Json<BackupSettings>, ApiError> {
    let dir = setup::parse_backup_dir("dir", &body.dir)?;
    let daily_at = match body.daily_at.as_deref() {
        Some(raw) => setup::parse_daily_at("daily_at", raw)?,
        None => None,
    };
    // Only a request that is otherwise valid touches the file system.
    jobs::check_writable(dir.clone()).await?;
    let settings = setup::BackupSettings { dir, daily_at };
    jobs::change_settings(&state, settings.clone()).await?;
    Ok(Json(settings.into()))
}

/// One backup's manifest.
#[utoipa::path(
    get, path = "/api/backups/{name}", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("name" = String, Path, description = "Backup name")),
    responses(
        (status = 200, description = "The manifest", body = Manifest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn backup_get(
    State(state): State<AppState>,
    _: Authz<BackupsView>,
    Path(name): Path<String>,
) -> Result<Json<Manifest>, ApiError> {
    Ok(Json(manifest(&state, &name)?))
}

/// Delete a backup's files.
#[utoipa::path(
    delete, path = "/api/backups/{name}", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("name" = String, Path, description = "Backup name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn backup_delete(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    manifest(&state, &name)?;
    let deleted = jobs::delete_files(&jobs::dir(&state), &name);
    state.backup_jobs.changed();
    deleted.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Download the compressed database (it holds password hashes: `backups.manage` only). The
/// `x-backup-sha256` header carries the checksum the upload will ask for.
#[utoipa::path(
    get, path = "/api/backups/{name}/download", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("name" = String, Path, description = "Backup name")),
    responses(
        (status = 200, description = "The zstd-compressed SQLite database", content_type = "application/zstd", body = Vec<u8>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn backup_download(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let manifest = manifest(&state, &name)?;
    let file = tokio::fs::File::open(backup::data_path(&jobs::dir(&state), &manifest.name))
        .await
        .map_err(|_| Error::NotFound("backup"))?;
    // The file's own length: if it changed on disk, the manifest's size would cut the answer.
    let length = file.metadata().await.map_err(|e| ApiError::internal(e.into()))?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let disposition = format!("attachment; filename=\"{}.db.zst\"", manifest.name);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zstd".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::HeaderName::from_static("x-backup-sha256"), manifest.sha256.clone()),
        ],
        body,
    )
        .into_response())
}

/// Upload a backup file (as downloaded), streamed, up to 2 GiB, with its SHA-256 in the
/// `x-backup-sha256` header. It is checked and verified before it is listed; a bad, truncated
/// or foreign file is a 422 and leaves nothing behind.
#[utoipa::path(
    post, path = "/api/backups/upload", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("x-backup-sha256" = String, Header, description = "SHA-256 of the file, hex",
        pattern = "^[0-9A-Fa-f]{64}$")),
    request_body(content = Vec<u8>, content_type = "application/zstd"),
    responses(
        (status = 201, description = "Stored and verified", body = Manifest),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn backup_upload(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Manifest>), ApiError> {
    let expected = headers
        .get("x-backup-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| Error::invalid("x-backup-sha256", "must be the file's SHA-256 as 64 hex digits"))?;
    let dir = jobs::dir(&state);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| ApiError::internal(e.into()))?;
    let work =
        tempfile::Builder::new().prefix(".upload-").tempdir_in(&dir).map_err(|e| ApiError::internal(e.into()))?;
    let upload = work.path().join("upload.db.zst");
    let mut file = tokio::fs::File::create(&upload).await.map_err(|e| ApiError::internal(e.into()))?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the upload: {e}")))?;
        size += chunk.len() as u64;
        if size > UPLOAD_LIMIT {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "a backup upload may be at most 2 GiB"));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| ApiError::internal(e.into()))?;
    }
    file.flush().await.map_err(|e| ApiError::internal(e.into()))?;
    drop(file);
    if hex::encode(hash.finalize()) != expected {
        return Err(
            Error::invalid("body", "the file does not match x-backup-sha256: damaged or truncated in transit").into()
        );
    }
    let now = state.clock.now_ms();
    let name = backup::name_for(&dir, Kind::Uploaded, now);
    let known = crate::store::migrations::embedded().map_err(ApiError::internal)?;
    let newest = known.last().map_or(0, |m| m.version);
    let (dir2, name2) = (dir.clone(), name.clone());
    let manifest = tokio::task::spawn_blocking(move || admit_upload(&dir2, work, &upload, &name2, newest, now))
        .await
        .map_err(|e| ApiError::internal(e.into()))??;
    state.backup_jobs.changed();
    Ok((StatusCode::CREATED, Json(manifest)))
}

/// Checks an uploaded file and, only when it is a good backup, moves it into the folder.
fn admit_upload(
    dir: &std::path::Path,
    work: tempfile::TempDir,
    upload: &std::path::Path,
    name: &str,
    newest_schema: i64,
    now: i64,
) -> Result<Manifest, ApiError> {
    let reject = |why: String| ApiError::from(Error::invalid("body", why));
    let db = work.path().join("upload.db");
    backup::decompress(upload, &db).map_err(|e| reject(format!("not a backup: {e:#}")))?;
    let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| reject(format!("not an SQLite database: {e}")))?;
    let schema_version =
        crate::store::migrations::schema_version(&conn).map_err(|_| reject("not a Farm Controller database".into()))?;
    if schema_version > newest_schema {
        return Err(reject(format!("schema version {schema_version} is newer than this server's {newest_schema}")));
    }
    let row_counts = backup::row_counts(&conn).map_err(|e| reject(format!("unreadable: {e:#}")))?;
    drop(conn);
    backup::check_snapshot(&db, schema_version, None).map_err(|e| reject(format!("{e:#}")))?;
    let (sha256, size) = backup::sha256_file(upload).map_err(ApiError::internal)?;
    std::fs::rename(upload, backup::data_path(dir, name)).map_err(|e| ApiError::internal(e.into()))?;
    let mut manifest = Manifest {
        format: backup::FORMAT,
        name: name.to_owned(),
        kind: Kind::Uploaded,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        created_at: crate::domain::time::Timestamp(now),
        sha256,
        size,
        row_counts,
        status: Status::Running,
        verified_at: None,
        problem: None,
    };
    backup::verify_into(dir, &mut manifest, now);
    backup::write_manifest(dir, &manifest).map_err(ApiError::internal)?;
    Ok(manifest)
}

/// Verify a backup again (its file may have changed on disk) and record the result.
#[utoipa::path(
    post, path = "/api/backups/{name}/verify", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("name" = String, Path, description = "Backup name")),
    responses(
        (status = 200, description = "The manifest with the new result", body = Manifest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn backup_verify(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Path(name): Path<String>,
) -> Result<Json<Manifest>, ApiError> {
    let mut manifest = manifest(&state, &name)?;
    let dir = jobs::dir(&state);
    let now = state.clock.now_ms();
    let manifest = tokio::task::spawn_blocking(move || {
        backup::verify_into(&dir, &mut manifest, now);
        backup::write_manifest(&dir, &manifest).map(|()| manifest)
    })
    .await
    .map_err(|e| ApiError::internal(e.into()))?;
    state.backup_jobs.changed();
    Ok(Json(manifest.map_err(ApiError::internal)?))
}

/// Restore a verified backup: it is verified again, a safety backup of the current data is
/// taken, then the database's contents are replaced in one transaction. The server goes on
/// with the restored data; sessions not in the backup end.
#[utoipa::path(
    post, path = "/api/backups/{name}/restore", tag = "backups",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("name" = String, Path, description = "Backup name")),
    request_body = BackupRestore,
    responses(
        (status = 200, description = "Restored", body = BackupRestored),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn backup_restore(
    State(state): State<AppState>,
    _: Authz<BackupsManage>,
    Path(name): Path<String>,
    Json(body): Json<BackupRestore>,
) -> Result<Json<BackupRestored>, ApiError> {
    let manifest = manifest(&state, &name)?;
    if body.confirm != manifest.name {
        return Err(Error::invalid("confirm", "must be the backup's name, typed again").into());
    }
    let safety_backup = jobs::restore(&state, &manifest.name).await?;
    Ok(Json(BackupRestored { restored: manifest.name, safety_backup }))
}
