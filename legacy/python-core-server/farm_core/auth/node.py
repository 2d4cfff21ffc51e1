"""Field nodes authenticate with their own bearer token (`fcn_...`), issued when the node is
registered or adopted, and good only for the node API under `/api/node/`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from farm_core.auth import secrets
from farm_core.auth.principal import bearer
from farm_core.domain.errors import Forbidden, Unauthenticated
from farm_core.state import AppState


@dataclass(frozen=True, slots=True)
class NodeCaller:
    """The node making the request."""

    node_id: int
    name: str


async def node_caller(request: Request) -> NodeCaller:
    """FastAPI dependency: the calling node, by its token, or 401/403."""
    token = bearer(request)
    if token is None:
        raise Unauthenticated("node token required: send Authorization: Bearer fcn_...")
    if not token.startswith(secrets.NODE_TOKEN_PREFIX):
        raise Forbidden("this endpoint is for field nodes; send the node's own token")
    state: AppState = request.app.state.farm
    node = await state.store.nodes.by_token(secrets.digest(token))
    if node is None or node.retired:
        raise Unauthenticated("invalid or revoked node token")
    return NodeCaller(node.id, node.name)
