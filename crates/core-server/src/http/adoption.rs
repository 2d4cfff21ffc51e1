//! Adoption of new field nodes, and one-step replacement of a node's hardware.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::nodes::{OutputDeclaration, SensorDeclaration, keep, parse_declarations};
use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::extract::caps::{NodesManage, NodesView};
use crate::auth::{Authz, secrets};
use crate::domain::adoption::{AdoptionToken, Candidate, NodeBundle, TOKEN_TTL_MS};
use crate::domain::error::Error;
use crate::domain::nodes::{self, NodeStatus};
use crate::error::ApiError;
use crate::store::adoption::{Announcement, Claim, Source, TokenRequest};

/// How often an unadopted node should announce itself.
pub const ANNOUNCE_EVERY_S: i64 = 30;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; adoption_announce))
        .routes(routes!(purpose; adoption_candidates))
        .routes(routes!(purpose; adoption_token_create))
        .routes(routes!(purpose; adoption_claim))
        .routes(routes!(purpose; node_replace))
        .routes(routes!(purpose; node_bundle))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionAnnounce {
    #[schema(value_type = nodes::MacAddress)]
    pub mac: String,
    #[schema(value_type = nodes::Label)]
    pub model: String,
    #[schema(value_type = nodes::Label)]
    pub agent_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnounceAccepted {
    /// Announce again after this many seconds until adopted.
    pub announce_every_s: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionTokenCreate {
    #[schema(value_type = nodes::MacAddress)]
    pub mac: String,
    /// The name the node gets.
    #[schema(value_type = nodes::DisplayName)]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeReplace {
    /// The new device's MAC.
    #[schema(value_type = nodes::MacAddress)]
    pub mac: String,
}

/// A token and its secret, shown once; the device sends it in its claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionTokenCreated {
    pub token: AdoptionToken,
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionClaim {
    #[schema(value_type = nodes::MacAddress)]
    pub mac: String,
    /// The adoption token's secret (`fca_…`).
    pub token: String,
    #[schema(value_type = Option<nodes::Label>)]
    pub model: Option<String>,
    #[schema(value_type = Option<nodes::Label>)]
    pub agent_version: Option<String>,
    /// What the device has; ignored for a replacement, which keeps the node's own.
    #[serde(default)]
    pub sensors: Vec<SensorDeclaration>,
    #[serde(default)]
    pub outputs: Vec<OutputDeclaration>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionClaimed {
    pub node_id: i64,
    /// The node's own bearer token for the node API, shown once.
    pub token: String,
    /// True when the device took over an existing node.
    pub replaced: bool,
    /// The configuration the device should apply.
    pub bundle: NodeBundle,
}

/// A new node says it is here (no authentication; limited per address). It is listed as a
/// candidate for ten minutes after its last announcement.
#[utoipa::path(
    post, path = "/api/adoption/announce", tag = "adoption",
    request_body = AdoptionAnnounce,
    responses(
        (status = 202, description = "Listed as a candidate", body = AnnounceAccepted),
        (status = 400, response = crate::error::BadRequest),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
        (status = 429, response = crate::error::RateLimited),
    )
)]
pub async fn adoption_announce(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(body): Json<AdoptionAnnounce>,
) -> Result<(StatusCode, Json<AnnounceAccepted>), ApiError> {
    let now = state.clock.now_ms();
    let key = [format!("addr:{}", addr.ip())];
    if let Some(retry_after_secs) = state.announce_throttle.retry_after(&key, now) {
        return Err(Error::RateLimited { retry_after_secs }.into());
    }
    state.announce_throttle.record_failure(&key, now);
    let mut problems = Vec::new();
    let mac = keep(&mut problems, nodes::parse_mac("mac", &body.mac));
    let model = keep(&mut problems, nodes::parse_label("model", &body.model));
    let agent = keep(&mut problems, nodes::parse_label("agent_version", &body.agent_version));
    let (Some(mac), Some(model), Some(agent_version)) = (mac, model, agent) else {
        return Err(Error::Validation(problems).into());
    };
    let announcement =
        Announcement { mac, model, agent_version, ip: Some(addr.ip().to_string()), source: Source::Announce };
    state.store.candidate_announce(announcement, now).await?;
    Ok((StatusCode::ACCEPTED, Json(AnnounceAccepted { announce_every_s: ANNOUNCE_EVERY_S })))
}

/// Nodes that announced themselves in the last ten minutes and are not adopted yet.
#[utoipa::path(
    get, path = "/api/adoption/candidates", tag = "adoption",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Candidates, most recent first", body = Items<Candidate>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn adoption_candidates(
    State(state): State<AppState>,
    _: Authz<NodesView>,
) -> Result<Json<Items<Candidate>>, ApiError> {
    Ok(Json(state.store.candidates_list(state.clock.now_ms()).await?.into()))
}

/// A single-use token, valid 15 minutes, that lets the device with this MAC become a new node.
#[utoipa::path(
    post, path = "/api/adoption/tokens", tag = "adoption",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = AdoptionTokenCreate,
    responses(
        (status = 201, description = "The token; its secret is shown only now", body = AdoptionTokenCreated),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn adoption_token_create(
    State(state): State<AppState>,
    Authz(principal, _): Authz<NodesManage>,
    Json(body): Json<AdoptionTokenCreate>,
) -> Result<(StatusCode, Json<AdoptionTokenCreated>), ApiError> {
    let mut problems = Vec::new();
    let mac = keep(&mut problems, nodes::parse_mac("mac", &body.mac));
    let name = keep(&mut problems, nodes::parse_name("name", &body.name));
    let (Some(mac), Some(name)) = (mac, name) else {
        return Err(Error::Validation(problems).into());
    };
    issue(&state, mac, Some(name), None, principal.user.username).await
}

async fn issue(
    state: &AppState,
    mac: String,
    name: Option<String>,
    node_id: Option<i64>,
    by: String,
) -> Result<(StatusCode, Json<AdoptionTokenCreated>), ApiError> {
    let now = state.clock.now_ms();
    let secret = secrets::new_adoption_token();
    let request =
        TokenRequest { mac, name, node_id, token_hash: secrets::digest(&secret), by, expires_at: now + TOKEN_TTL_MS };
    let token = state.store.adoption_token_create(request, now).await?;
    Ok((StatusCode::CREATED, Json(AdoptionTokenCreated { token, secret })))
}

/// A device redeems its adoption token (no other authentication: the token is the proof).
/// A reused token is 409, a token for another MAC 403, an expired one 422 `token_expired`;
/// every attempt is logged.
#[utoipa::path(
    post, path = "/api/adoption/claim", tag = "adoption",
    request_body = AdoptionClaim,
    responses(
        (status = 201, description = "Adopted; the node token is shown only now", body = AdoptionClaimed),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn adoption_claim(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(body): Json<AdoptionClaim>,
) -> Result<(StatusCode, Json<AdoptionClaimed>), ApiError> {
    let mut problems = Vec::new();
    let mac = keep(&mut problems, nodes::parse_mac("mac", &body.mac));
    let model = keep(&mut problems, nodes::parse_label("model", body.model.as_deref().unwrap_or("")));
    let agent = keep(&mut problems, nodes::parse_label("agent_version", body.agent_version.as_deref().unwrap_or("")));
    let declared = keep(&mut problems, parse_declarations(&body.sensors, &body.outputs));
    let (Some(mac), Some(model), Some(agent_version), Some((sensors, outputs))) = (mac, model, agent, declared) else {
        return Err(Error::Validation(problems).into());
    };
    let node_token = secrets::new_node_token();
    let claim = Claim {
        mac,
        token_hash: secrets::digest(&body.token),
        model,
        agent_version,
        sensors,
        outputs,
        node_token_hash: secrets::digest(&node_token),
        address: Some(addr.ip().to_string()),
    };
    let now = state.clock.now_ms();
    let claimed = state.store.adoption_claim(claim, now).await?;
    let node = state.store.node_get(claimed.node_id, now).await?;
    state.liveness.changed(node.id, NodeStatus::Offline);
    state.events.node(&node);
    for c in &claimed.commands {
        state.events.command(c);
    }
    for o in &claimed.outputs {
        state.events.output(o);
    }
    if !claimed.commands.is_empty() {
        state.wakeups.wake(node.id);
    }
    let response = AdoptionClaimed {
        node_id: claimed.node_id,
        token: node_token,
        replaced: claimed.replaced,
        bundle: claimed.bundle,
    };
    Ok((StatusCode::CREATED, Json(response)))
}

/// Replace a node's hardware in one step: a token that, claimed by the new device, makes it this
/// node (sensors, outputs, history and schedules stay); the old device's token stops working.
#[utoipa::path(
    post, path = "/api/nodes/{id}/replace", tag = "adoption",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    request_body = NodeReplace,
    responses(
        (status = 201, description = "The token; its secret is shown only now", body = AdoptionTokenCreated),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_replace(
    State(state): State<AppState>,
    Authz(principal, _): Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<NodeReplace>,
) -> Result<(StatusCode, Json<AdoptionTokenCreated>), ApiError> {
    let mac = nodes::parse_mac("mac", &body.mac)?;
    issue(&state, mac, None, Some(id), principal.user.username).await
}

/// A node's configuration as a versioned bundle: settings, sensors, outputs, and the schedules
/// that act on it.
#[utoipa::path(
    get, path = "/api/nodes/{id}/bundle", tag = "adoption",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    responses(
        (status = 200, description = "The bundle", body = NodeBundle),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn node_bundle(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Path(id): Path<i64>,
) -> Result<Json<NodeBundle>, ApiError> {
    Ok(Json(state.store.node_bundle(id).await?))
}
