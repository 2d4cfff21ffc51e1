"""Login, logout, the current session, and password changes."""

from __future__ import annotations

import asyncio
import logging

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth import SESSION_COOKIE, passwords, secrets
from farm_core.auth.capabilities import Capability, capabilities_of
from farm_core.auth.principal import AuthMethod, Principal, authenticate
from farm_core.domain import users as domain
from farm_core.domain.errors import BadRequest, Forbidden, RateLimited, Unauthenticated, Validation
from farm_core.domain.users import UserChange
from farm_core.http import Timestamp, header_str, json_response, read_json
from farm_core.http.contract import SESSION_ONLY, operation
from farm_core.http.users import User
from farm_core.state import AppState

log = logging.getLogger("farm_core")
Authenticated = Depends(authenticate)
BAD_LOGIN = "invalid username or password"


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str
    new_password: str


class AuthSession(BaseModel):
    """Who is calling and what they may do."""

    user: User
    capabilities: list[Capability]
    method: AuthMethod
    expires_at: Timestamp | None = Field(description="When the session ends if idle until then (sessions only).")

    @classmethod
    def of(cls, principal: Principal) -> AuthSession:
        return cls(
            user=User.of(principal.user),
            capabilities=list(principal.capabilities),
            method=principal.method,
            expires_at=principal.expires_at,
        )


def throttle_keys(username: str, request: Request) -> list[str]:
    address = request.client.host if request.client else "-"
    return [f"user:{username.lower()}", f"addr:{address}"]


def served_over_tls(state: AppState, request: Request) -> bool:
    proto = header_str(request, "x-forwarded-proto")
    return state.config.secure_cookies or (proto is not None and proto.lower() == "https")


def session_cookie(value: str, max_age_secs: int, secure: bool) -> str:
    flags = "; Secure" if secure else ""
    return f"{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{flags}"


async def start_session(state: AppState, request: Request, user: domain.User) -> tuple[str, AuthSession]:
    """Starts a session for `user`; returns its `Set-Cookie` value and what the login answers."""
    now = state.clock.now_ms()
    secret = secrets.random_secret()
    absolute_ms = state.config.session_absolute_ms
    expires_at = now + absolute_ms
    session_id = await state.store.sessions.create(user.id, secrets.digest(secret), now, expires_at)
    cookie = session_cookie(secret, absolute_ms // 1000, served_over_tls(state, request))
    idle_end = now + state.config.session_idle_ms
    principal = Principal(user, capabilities_of(user.role), AuthMethod.SESSION, session_id, min(expires_at, idle_end))
    return cookie, AuthSession.of(principal)


async def verify_off_loop(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        await asyncio.to_thread(passwords.verify_dummy, password)
        return False
    return await asyncio.to_thread(passwords.verify, password, password_hash)


async def auth_login(request: Request) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, LoginRequest)
    now = state.clock.now_ms()
    keys = throttle_keys(body.username, request)
    retry_after = state.throttle.retry_after(keys, now)
    if retry_after is not None:
        raise RateLimited(retry_after)
    found = await state.store.users.credentials(body.username)
    user, password_hash = found if found is not None and not found[0].disabled else (None, None)
    ok = await verify_off_loop(body.password, password_hash)
    if user is None or not ok:
        state.throttle.record_failure(keys, now)
        log.info("login failed username=%s addr=%s", body.username, keys[1][5:])
        raise Unauthenticated(BAD_LOGIN)
    state.throttle.clear(keys[0])
    cookie, session = await start_session(state, request, user)
    return json_response(session, headers={"set-cookie": cookie})


async def auth_logout(request: Request, principal: Principal = Authenticated) -> Response:
    state: AppState = request.app.state.farm
    if principal.method is not AuthMethod.SESSION:
        raise BadRequest("logout ends a browser session; revoke an API token with DELETE /api/api-tokens/{id}")
    await state.store.sessions.delete(principal.id)
    clear = session_cookie("", 0, state.config.secure_cookies)
    return Response(status_code=204, headers={"set-cookie": clear})


async def auth_session(request: Request, principal: Principal = Authenticated) -> Response:
    return json_response(AuthSession.of(principal))


async def auth_password(request: Request, principal: Principal = Authenticated) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, PasswordChange)
    if principal.method is not AuthMethod.SESSION:
        raise Forbidden("passwords are changed from a browser session, not with an API token")
    now = state.clock.now_ms()
    key = [f"user:{principal.user.username}"]
    retry_after = state.throttle.retry_after(key, now)
    if retry_after is not None:
        raise RateLimited(retry_after)
    new_password = domain.parse_password("new_password", body.new_password)
    password_hash = await state.store.users.password_hash(principal.user.id)
    if not await verify_off_loop(body.current_password, password_hash):
        state.throttle.record_failure(key, now)
        raise Validation.invalid("current_password", "is not your current password")
    new_hash = await asyncio.to_thread(passwords.hash_password, new_password)
    user = await state.store.users.update(principal.user.id, UserChange(password_hash=new_hash), now)
    cookie, _ = await start_session(state, request, user)
    return Response(status_code=204, headers={"set-cookie": cookie})


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/auth/login",
        auth_login,
        methods=["POST"],
        **operation(
            "auth_login",
            "auth",
            "Log in with a username and password; sets the session cookie.",
            description="Logged in; the session cookie is set",
            response=AuthSession,
            response_headers={"set-cookie": "farm_session, HttpOnly, SameSite=Strict"},
            body=LoginRequest,
            errors=(400, 401, 413, 422, 429),
            security=None,
        ),
    )
    app.add_api_route(
        "/api/auth/logout",
        auth_logout,
        methods=["POST"],
        **operation(
            "auth_logout",
            "auth",
            "End the current browser session and clear its cookie.",
            status=204,
            description="Logged out; the cookie is cleared",
            errors=(400, 401, 403),
            security=SESSION_ONLY,
        ),
    )
    app.add_api_route(
        "/api/auth/session",
        auth_session,
        methods=["GET"],
        **operation(
            "auth_session",
            "auth",
            "The current user, capabilities and session expiry.",
            description="The caller",
            response=AuthSession,
            errors=(401,),
        ),
    )
    app.add_api_route(
        "/api/auth/password",
        auth_password,
        methods=["POST"],
        **operation(
            "auth_password",
            "auth",
            "Change your own password. Ends every session of yours and starts a fresh one here.",
            status=204,
            description="Changed; other sessions ended, a new cookie is set",
            response_headers={"set-cookie": "the new farm_session"},
            body=PasswordChange,
            errors=(400, 401, 403, 413, 422, 429),
            security=SESSION_ONLY,
        ),
    )
