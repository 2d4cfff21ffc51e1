"""User management (capability `users.manage`)."""

from __future__ import annotations

import asyncio

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth import passwords
from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import users as domain
from farm_core.domain.users import Role, UserChange
from farm_core.http import Items, Timestamp, json_response, path_id, read_json
from farm_core.http.contract import operation
from farm_core.state import AppState

UsersManage = Depends(require(Capability.USERS_MANAGE))


class User(BaseModel):
    """A user as the API shows it (never with the password hash)."""

    id: int
    username: str
    role: Role
    disabled: bool
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, user: domain.User) -> User:
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            disabled=user.disabled,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(description="3\u201332 characters of a-z, 0-9, '.', '_', '-'.")
    password: str = Field(description="At least 10 characters.")
    role: Role


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = Field(None, description="A disabled user cannot log in; their sessions end.")
    password: str | None = Field(None, description="Sets a new password (an admin reset); the user's sessions end.")


async def hash_off_loop(password: str) -> str:
    """Argon2 takes tens of milliseconds of CPU (outside the GIL): never on the event loop."""
    return await asyncio.to_thread(passwords.hash_password, password)


async def users_list(request: Request, _: Principal = UsersManage) -> Response:
    state: AppState = request.app.state.farm
    return json_response(Items[User](items=[User.of(u) for u in await state.store.users.list()]))


async def user_create(request: Request, _: Principal = UsersManage) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, UserCreate)
    username = domain.parse_username("username", body.username)
    password = domain.parse_password("password", body.password)
    password_hash = await hash_off_loop(password)
    user = await state.store.users.create(username, password_hash, body.role, state.clock.now_ms())
    return json_response(User.of(user), 201)


async def user_get(request: Request, _: Principal = UsersManage) -> Response:
    state: AppState = request.app.state.farm
    return json_response(User.of(await state.store.users.get(path_id(request))))


async def user_update(request: Request, _: Principal = UsersManage) -> Response:
    state: AppState = request.app.state.farm
    user_id = path_id(request)
    body = await read_json(request, UserUpdate)
    password = domain.parse_password("password", body.password) if body.password is not None else None
    password_hash = await hash_off_loop(password) if password is not None else None
    change = UserChange(role=body.role, disabled=body.disabled, password_hash=password_hash)
    return json_response(User.of(await state.store.users.update(user_id, change, state.clock.now_ms())))


async def user_delete(request: Request, _: Principal = UsersManage) -> Response:
    state: AppState = request.app.state.farm
    await state.store.users.delete(path_id(request))
    return Response(status_code=204)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/users",
        users_list,
        methods=["GET"],
        **operation(
            "users_list", "users", "All users, by id.", description="Users", response="Items_User", errors=(401, 403)
        ),
    )
    app.add_api_route(
        "/api/users",
        user_create,
        methods=["POST"],
        **operation(
            "user_create",
            "users",
            "Create a user.",
            status=201,
            description="Created",
            response=User,
            body=UserCreate,
            errors=(400, 401, 403, 409, 413, 422),
        ),
    )
    app.add_api_route(
        "/api/users/{id}",
        user_get,
        methods=["GET"],
        **operation(
            "user_get",
            "users",
            "One user.",
            description="The user",
            response=User,
            id_param="User id",
            errors=(400, 401, 403, 404),
        ),
    )
    app.add_api_route(
        "/api/users/{id}",
        user_update,
        methods=["PATCH"],
        **operation(
            "user_update",
            "users",
            "Change a user's role, disable or enable them, or reset their password. The last enabled admin "
            "cannot be demoted or disabled (409).",
            description="The updated user",
            response=User,
            body=UserUpdate,
            id_param="User id",
            errors=(400, 401, 403, 404, 409, 413, 422),
        ),
    )
    app.add_api_route(
        "/api/users/{id}",
        user_delete,
        methods=["DELETE"],
        **operation(
            "user_delete",
            "users",
            "Delete a user, their sessions and their API tokens. The last enabled admin stays (409).",
            status=204,
            description="Deleted",
            id_param="User id",
            errors=(400, 401, 403, 404, 409),
        ),
    )
