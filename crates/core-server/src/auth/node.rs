//! Field nodes authenticate with their own bearer token (`fcn_…`), issued when the node is
//! registered or adopted, and good only for the node API under `/api/node/`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::secrets;
use crate::app::AppState;
use crate::error::ApiError;

/// The node making the request.
#[derive(Debug, Clone)]
pub struct NodeCaller {
    pub node_id: i64,
    pub name: String,
}

impl FromRequestParts<AppState> for NodeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let Some(token) = token else {
            return Err(ApiError::unauthenticated("node token required: send Authorization: Bearer fcn_..."));
        };
        if !token.starts_with(secrets::NODE_TOKEN_PREFIX) {
            return Err(ApiError::forbidden("this endpoint is for field nodes; send the node's own token"));
        }
        match state.store.node_by_token(secrets::digest(token)).await? {
            Some(node) if !node.retired => Ok(NodeCaller { node_id: node.id, name: node.name }),
            _ => Err(ApiError::unauthenticated("invalid or revoked node token")),
        }
    }
}
