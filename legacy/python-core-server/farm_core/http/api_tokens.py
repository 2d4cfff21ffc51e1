"""API tokens for scripts (capability `tokens.manage`). The secret is returned once, at creation."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth import secrets
from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import api_tokens as domain
from farm_core.http import Items, Timestamp, json_response, path_id, read_json
from farm_core.http.contract import operation
from farm_core.state import AppState
from farm_core.store.api_tokens import NewApiToken

TokensManage = Depends(require(Capability.TOKENS_MANAGE))


class ApiToken(BaseModel):
    id: int
    name: str
    prefix: str = Field(
        description="The first characters of the secret, to tell tokens apart; the secret itself is shown once."
    )
    user_id: int
    username: str
    capabilities: list[Capability]
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None

    @classmethod
    def of(cls, token: domain.ApiToken) -> ApiToken:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            user_id=token.user_id,
            username=token.username,
            capabilities=list(token.capabilities),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    capabilities: list[Capability] = Field(description="A subset of the creator's capabilities.")
    expires_at: Timestamp | None = Field(None, description="Optional; the token stops working at this instant.")


class ApiTokenCreated(BaseModel):
    """A new token and its secret. The secret is not stored and cannot be shown again."""

    token: ApiToken
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`.")


async def api_tokens_list(request: Request, _: Principal = TokensManage) -> Response:
    state: AppState = request.app.state.farm
    return json_response(Items[ApiToken](items=[ApiToken.of(t) for t in await state.store.api_tokens.list()]))


async def api_token_create(request: Request, principal: Principal = TokensManage) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, ApiTokenCreate)
    now = state.clock.now_ms()
    name = domain.parse_name(body.name)
    caps = domain.check_capabilities(body.capabilities, principal.capabilities)
    domain.check_expiry(body.expires_at, now)
    secret = secrets.new_api_token()
    token = await state.store.api_tokens.create(
        NewApiToken(
            user_id=principal.user.id,
            name=name,
            prefix=secret[: secrets.DISPLAY_PREFIX_LEN],
            token_hash=secrets.digest(secret),
            capabilities=caps,
            created_at=now,
            expires_at=body.expires_at,
        )
    )
    return json_response(ApiTokenCreated(token=ApiToken.of(token), secret=secret), 201)


async def api_token_delete(request: Request, _: Principal = TokensManage) -> Response:
    state: AppState = request.app.state.farm
    await state.store.api_tokens.revoke(path_id(request), state.clock.now_ms())
    return Response(status_code=204)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/api-tokens",
        api_tokens_list,
        methods=["GET"],
        **operation(
            "api_tokens_list",
            "api-tokens",
            "All API tokens, by id, revoked ones included. Secrets are never listed.",
            description="Tokens",
            response="Items_ApiToken",
            errors=(401, 403),
        ),
    )
    app.add_api_route(
        "/api/api-tokens",
        api_token_create,
        methods=["POST"],
        **operation(
            "api_token_create",
            "api-tokens",
            "Create a token carrying some of your capabilities; the response holds the secret, once.",
            status=201,
            description="Created; the secret is shown only now",
            response=ApiTokenCreated,
            body=ApiTokenCreate,
            errors=(400, 401, 403, 413, 422),
        ),
    )
    app.add_api_route(
        "/api/api-tokens/{id}",
        api_token_delete,
        methods=["DELETE"],
        **operation(
            "api_token_delete",
            "api-tokens",
            "Revoke a token; it stops working at once.",
            status=204,
            description="Revoked",
            id_param="Token id",
            errors=(400, 401, 403, 404),
        ),
    )
