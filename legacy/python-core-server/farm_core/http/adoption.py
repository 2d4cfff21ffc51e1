"""Adoption of new field nodes, and one-step replacement of a node's hardware."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth import secrets
from farm_core.auth.principal import Principal
from farm_core.domain import adoption as domain
from farm_core.domain import nodes as rules
from farm_core.domain.adoption import ANNOUNCE_EVERY_S, TOKEN_TTL_MS, StoredSchedule
from farm_core.domain.errors import FieldError, RateLimited, Validation
from farm_core.domain.nodes import NodeStatus
from farm_core.domain.outputs import OutputKind
from farm_core.domain.sensors import SensorKind
from farm_core.http import Timestamp, json_text, path_id, read_json, wire
from farm_core.http.contract import operation
from farm_core.http.nodes import NodesManage, NodesView, OutputDeclaration, SensorDeclaration, keep, parse_declarations
from farm_core.state import AppState
from farm_core.store.adoption import Announcement, Claim, TokenRequest


class AdoptionAnnounce(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mac: str
    model: str
    agent_version: str


class AnnounceAccepted(BaseModel):
    announce_every_s: int = Field(description="Announce again after this many seconds until adopted.")


class AdoptionTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mac: str
    name: str = Field(description="The name the node gets.")


class NodeReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mac: str = Field(description="The new device's MAC.")


class AdoptionClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mac: str
    token: str = Field(description="The adoption token's secret (`fca_\u2026`).")
    model: str | None = None
    agent_version: str | None = None
    sensors: list[SensorDeclaration] = Field(
        default_factory=list,
        description="What the device has; ignored for a replacement, which keeps the node's own.",
    )
    outputs: list[OutputDeclaration] = Field(default_factory=list)


class Candidate(BaseModel):
    mac: str
    model: str
    agent_version: str
    ip: str | None
    source: str = Field(description="`announce` or `mdns`.")
    first_seen_at: Timestamp
    last_seen_at: Timestamp


class AdoptionToken(BaseModel):
    id: int
    mac: str
    name: str
    node_id: int | None = Field(description="Set for a replacement: the node the new device becomes.")
    expires_at: Timestamp


class AdoptionTokenCreated(BaseModel):
    """A token and its secret, shown once; the device sends it in its claim."""

    token: AdoptionToken
    secret: str


class BundleNode(BaseModel):
    name: str
    heartbeat_interval_s: int


class BundleSensor(BaseModel):
    key: str
    name: str
    kind: SensorKind
    unit: str
    interval_s: int
    retention_days: int


class BundleOutput(BaseModel):
    key: str
    name: str
    kind: OutputKind
    default_state: int
    desired_state: int


class NodeBundle(BaseModel):
    """Everything needed to set a node up again: its settings, sensors, outputs and the schedules
    that act on it."""

    version: int
    node: BundleNode
    sensors: list[BundleSensor]
    outputs: list[BundleOutput]
    schedules: list[dict[str, Any]]


class AdoptionClaimed(BaseModel):
    node_id: int
    token: str = Field(description="The node's own bearer token for the node API, shown once.")
    replaced: bool = Field(description="True when the device took over an existing node.")
    bundle: NodeBundle = Field(description="The configuration the device should apply.")


# --- the JSON answers, in the Rust field order -------------------------------------------------


def schedule_json(s: StoredSchedule) -> str:
    """A schedule as Rust's `Schedule` serializes (its JSON columns are serde's own text)."""
    return (
        f'{{"id":{s.id},"name":{wire.string(s.name)},"enabled":{"true" if s.enabled else "false"},'
        f'"priority":{s.priority},"timezone":{wire.opt_str(s.timezone)},"recurrence":{s.recurrence},'
        f'"conditions":{s.conditions if s.conditions is not None else "null"},"actions":{s.actions},'
        f'"missed_run_policy":"{"run_once" if s.missed_run_policy == "run_once" else "skip"}",'
        f'"created_at":{wire.ts(s.created_at)},"updated_at":{wire.ts(s.updated_at)}}}'
    )


def bundle_json(b: domain.NodeBundle) -> str:
    sensors = ",".join(
        f'{{"key":{wire.string(s.key)},"name":{wire.string(s.name)},"kind":"{s.kind.value}",'
        f'"unit":{wire.string(s.unit)},"interval_s":{s.interval_s},"retention_days":{s.retention_days}}}'
        for s in b.sensors
    )
    outputs = ",".join(
        f'{{"key":{wire.string(o.key)},"name":{wire.string(o.name)},"kind":"{o.kind.value}",'
        f'"default_state":{o.default_state},"desired_state":{o.desired_state}}}'
        for o in b.outputs
    )
    return (
        f'{{"version":{b.version},"node":{{"name":{wire.string(b.name)},'
        f'"heartbeat_interval_s":{b.heartbeat_interval_s}}},"sensors":[{sensors}],"outputs":[{outputs}],'
        f'"schedules":[{",".join(map(schedule_json, b.schedules))}]}}'
    )


def token_created_json(t: domain.AdoptionToken, secret: str) -> str:
    return (
        f'{{"token":{{"id":{t.id},"mac":{wire.string(t.mac)},"name":{wire.string(t.name)},'
        f'"node_id":{wire.opt_int(t.node_id)},"expires_at":{wire.ts(t.expires_at)}}},'
        f'"secret":{wire.string(secret)}}}'
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


# --- handlers ----------------------------------------------------------------------------------


async def adoption_announce(request: Request) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, AdoptionAnnounce)
    now = state.clock.now_ms()
    ip = client_ip(request)
    key = [f"addr:{ip}"]
    retry_after = state.announce_throttle.retry_after(key, now)
    if retry_after is not None:
        raise RateLimited(retry_after)
    state.announce_throttle.record_failure(key, now)
    problems: list[FieldError] = []
    mac = keep(problems, rules.parse_mac, "mac", body.mac)
    model = keep(problems, rules.parse_label, "model", body.model)
    agent_version = keep(problems, rules.parse_label, "agent_version", body.agent_version)
    if problems:
        raise Validation(problems)
    await state.store.adoption.announce(Announcement(mac, model, agent_version, ip), now)  # type: ignore[arg-type]
    return json_text(f'{{"announce_every_s":{ANNOUNCE_EVERY_S}}}', 202)


async def adoption_candidates(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    candidates = await state.store.adoption.candidates(state.clock.now_ms())
    return json_text(
        wire.items(
            [
                f'{{"mac":{wire.string(c.mac)},"model":{wire.string(c.model)},'
                f'"agent_version":{wire.string(c.agent_version)},"ip":{wire.opt_str(c.ip)},'
                f'"source":{wire.string(c.source)},"first_seen_at":{wire.ts(c.first_seen_at)},'
                f'"last_seen_at":{wire.ts(c.last_seen_at)}}}'
                for c in candidates
            ]
        )
    )


async def _issue(state: AppState, mac: str, name: str | None, node_id: int | None, by: str) -> Response:
    now = state.clock.now_ms()
    secret = secrets.new_adoption_token()
    request = TokenRequest(mac, name, node_id, secrets.digest(secret), by, now + TOKEN_TTL_MS)
    token = await state.store.adoption.token_create(request, now)
    return json_text(token_created_json(token, secret), 201)


async def adoption_token_create(request: Request, principal: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, AdoptionTokenCreate)
    problems: list[FieldError] = []
    mac = keep(problems, rules.parse_mac, "mac", body.mac)
    name = keep(problems, rules.parse_name, "name", body.name)
    if problems:
        raise Validation(problems)
    return await _issue(state, mac, name, None, principal.user.username)  # type: ignore[arg-type]


async def adoption_claim(request: Request) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, AdoptionClaim)
    problems: list[FieldError] = []
    mac = keep(problems, rules.parse_mac, "mac", body.mac)
    model = keep(problems, rules.parse_label, "model", body.model or "")
    agent_version = keep(problems, rules.parse_label, "agent_version", body.agent_version or "")
    declared = keep(problems, parse_declarations, body.sensors, body.outputs)
    if problems or declared is None:
        raise Validation(problems)
    node_token = secrets.new_node_token()
    claim = Claim(
        mac=mac,  # type: ignore[arg-type]
        token_hash=secrets.digest(body.token),
        model=model,  # type: ignore[arg-type]
        agent_version=agent_version,  # type: ignore[arg-type]
        sensors=declared[0],
        outputs=declared[1],
        node_token_hash=secrets.digest(node_token),
        address=client_ip(request),
    )
    now = state.clock.now_ms()
    claimed = await state.store.adoption.claim(claim, now)
    node = await state.store.nodes.get(claimed.node_id, now)
    state.liveness.changed(node.id, NodeStatus.OFFLINE)
    state.events.node(node)
    for c in claimed.commands:
        state.events.command(c)
    for o in claimed.outputs:
        state.events.output(o)
    if claimed.commands:
        state.wakeups.wake(node.id)
    return json_text(
        f'{{"node_id":{claimed.node_id},"token":{wire.string(node_token)},'
        f'"replaced":{"true" if claimed.replaced else "false"},"bundle":{bundle_json(claimed.bundle)}}}',
        201,
    )


async def node_replace(request: Request, principal: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    node_id = path_id(request)
    body = await read_json(request, NodeReplace)
    mac = rules.parse_mac("mac", body.mac)
    return await _issue(state, mac, None, node_id, principal.user.username)


async def node_bundle(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(bundle_json(await state.store.adoption.bundle(path_id(request))))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    add = app.add_api_route
    add(
        "/api/adoption/announce",
        adoption_announce,
        methods=["POST"],
        **operation(
            "adoption_announce",
            "adoption",
            "A new node says it is here (no authentication; limited per address). It is listed as a"
            " candidate for ten minutes after its last announcement.",
            status=202,
            description="Listed as a candidate",
            response=AnnounceAccepted,
            body=AdoptionAnnounce,
            errors=(400, 413, 422, 429),
            security=None,
        ),
    )
    add(
        "/api/adoption/candidates",
        adoption_candidates,
        methods=["GET"],
        **operation(
            "adoption_candidates",
            "adoption",
            "Nodes that announced themselves in the last ten minutes and are not adopted yet.",
            description="Candidates, most recent first",
            response="Items_Candidate",
            errors=(401, 403),
        ),
    )
    add(
        "/api/adoption/tokens",
        adoption_token_create,
        methods=["POST"],
        **operation(
            "adoption_token_create",
            "adoption",
            "A single-use token, valid 15 minutes, that lets the device with this MAC become a new node.",
            status=201,
            description="The token; its secret is shown only now",
            response=AdoptionTokenCreated,
            body=AdoptionTokenCreate,
            errors=(400, 401, 403, 409, 413, 422),
        ),
    )
    add(
        "/api/adoption/claim",
        adoption_claim,
        methods=["POST"],
        **operation(
            "adoption_claim",
            "adoption",
            "A device redeems its adoption token (no other authentication: the token is the proof)."
            " A reused token is 409, a token for another MAC 403, an expired one 422 `token_expired`;"
            " every attempt is logged.",
            status=201,
            description="Adopted; the node token is shown only now",
            response=AdoptionClaimed,
            body=AdoptionClaim,
            errors=(400, 401, 403, 409, 413, 422),
            security=None,
        ),
    )
    add(
        "/api/nodes/{id}/replace",
        node_replace,
        methods=["POST"],
        **operation(
            "node_replace",
            "adoption",
            "Replace a node's hardware in one step: a token that, claimed by the new device, makes it"
            " this node (sensors, outputs, history and schedules stay); the old device's token stops working.",
            status=201,
            description="The token; its secret is shown only now",
            response=AdoptionTokenCreated,
            body=NodeReplace,
            id_param="Node id",
            errors=(400, 401, 403, 404, 409, 413, 422),
        ),
    )
    add(
        "/api/nodes/{id}/bundle",
        node_bundle,
        methods=["GET"],
        **operation(
            "node_bundle",
            "adoption",
            "A node's configuration as a versioned bundle: settings, sensors, outputs, and the schedules"
            " that act on it.",
            description="The bundle",
            response=NodeBundle,
            id_param="Node id",
            errors=(400, 401, 403, 404),
        ),
    )
