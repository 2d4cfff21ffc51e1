"""The `Principal` dependency authenticates the caller (bearer API token or session cookie, with
the CSRF rule for cookie writes); `require(cap)` additionally demands a capability. Routes name
the capability in their dependencies, so authorization runs before the body is read."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request

from farm_core.auth import SESSION_COOKIE, secrets
from farm_core.auth.capabilities import Capability, capabilities_of
from farm_core.domain.errors import Forbidden, Unauthenticated
from farm_core.domain.users import User
from farm_core.http import header_str, is_visible_ascii
from farm_core.state import AppState

# Writes of `last_seen_at` / `last_used_at` happen at most this often per session or token.
TOUCH_EVERY_MS = 60_000


class AuthMethod(enum.Enum):
    SESSION = "session"
    API_TOKEN = "api_token"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller and what it may do: the role's capabilities, narrowed to the
    token's for API tokens."""

    user: User
    capabilities: tuple[Capability, ...]
    method: AuthMethod
    # The session's or token's id; for sessions also when the session ends if idle from now.
    id: int
    expires_at: int | None = None


def cookie_value(request: Request, name: str) -> str | None:
    for key, raw in request.scope["headers"]:
        if key != b"cookie":
            continue
        value = raw.decode("latin-1")
        if not is_visible_ascii(value):
            continue
        for pair in value.split(";"):
            k, sep, v = pair.strip().partition("=")
            if sep and k == name:
                return v
    return None


def bearer(request: Request) -> str | None:
    value = header_str(request, "authorization")
    if value is None:
        return None
    scheme, sep, token = value.partition(" ")
    return token.strip() if sep and scheme.lower() == "bearer" else None


def passes_csrf(request: Request) -> bool:
    """A cookie-authenticated write must come from our own pages: a same-origin `Origin` header, or
    `X-Requested-With`, which a cross-site form cannot set."""
    if request.method in ("GET", "HEAD", "OPTIONS") or "x-requested-with" in request.headers:
        return True
    origin, host = header_str(request, "origin"), header_str(request, "host")
    if origin is None or host is None:
        return False
    _, sep, authority = origin.partition("://")
    return bool(sep) and authority == host


async def from_api_token(state: AppState, token: str) -> Principal:
    invalid = Unauthenticated("invalid, expired or revoked API token")
    now = state.clock.now_ms()
    digest = secrets.digest(token)
    found = await state.store.api_tokens.lookup(digest)
    if found is None:
        if token.startswith(secrets.NODE_TOKEN_PREFIX) and await state.store.nodes.token_known(digest):
            raise Forbidden("node tokens may only call the node API (/api/node/...)")
        raise invalid
    api_token, owner = found
    expired = api_token.expires_at is not None and api_token.expires_at <= now
    if api_token.revoked_at is not None or expired or owner.disabled:
        raise invalid
    if api_token.last_used_at is None or now - api_token.last_used_at >= TOUCH_EVERY_MS:
        await state.store.api_tokens.touch(api_token.id, now)
    # A token never outranks its owner's current role.
    role_caps = capabilities_of(owner.role)
    caps = tuple(cap for cap in api_token.capabilities if cap in role_caps)
    return Principal(owner, caps, AuthMethod.API_TOKEN, api_token.id)


async def from_session(state: AppState, cookie: str) -> Principal:
    invalid = Unauthenticated("session expired or ended; log in again")
    now = state.clock.now_ms()
    session = await state.store.sessions.lookup(secrets.digest(cookie))
    if session is None:
        raise invalid
    idle_ms = state.config.session_idle_ms
    if session.user.disabled or now >= session.expires_at or now - session.last_seen_at >= idle_ms:
        raise invalid
    if now - session.last_seen_at >= TOUCH_EVERY_MS:
        await state.store.sessions.touch(session.id, now)
    expires_at = min(session.expires_at, now + idle_ms)
    return Principal(session.user, capabilities_of(session.user.role), AuthMethod.SESSION, session.id, expires_at)


async def authenticate(request: Request) -> Principal:
    """FastAPI dependency: the caller, or 401 (403 for a cookie write that fails the CSRF rule)."""
    cached = request.scope.get("farm.principal")
    if cached is not None:
        return cached
    state: AppState = request.app.state.farm
    token = bearer(request)
    if token is not None:
        principal = await from_api_token(state, token)
    else:
        cookie = cookie_value(request, SESSION_COOKIE)
        if cookie is None:
            raise Unauthenticated("authentication required: log in or send a bearer token")
        principal = await from_session(state, cookie)
        if not passes_csrf(request):
            raise Forbidden("cross-site request refused: send a same-origin Origin header or X-Requested-With")
    request.scope["farm.principal"] = principal
    return principal


def require(cap: Capability) -> Callable[[Request], Awaitable[Principal]]:
    """FastAPI dependency: an authenticated caller holding `cap`, or 403."""

    async def authorized(request: Request) -> Principal:
        principal = await authenticate(request)
        if cap not in principal.capabilities:
            raise Forbidden(f"this needs the {cap.value} capability")
        return principal

    authorized.__name__ = f"require_{cap.name.lower()}"
    return authorized
