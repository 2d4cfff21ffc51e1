"""The JSON the field-data endpoints answer, written directly: the fields of each Rust type in
its declaration order, serde_json's escaping, floats as serde_json writes them (shortest
round-trip digits, positional for decimal exponents -5 to 15, `1e+16` style beyond, non-finite
as `null`) and instants as RFC 3339 with milliseconds. Faster than building models to dump, which
matters for the dashboard state, chart queries and the event stream."""

from __future__ import annotations

import functools
import math
from json.encoder import encode_basestring as _string

from farm_core.domain.dashboard import DashboardState
from farm_core.domain.metrics import Series
from farm_core.domain.nodes import Node
from farm_core.domain.outputs import Command, Output
from farm_core.domain.schedule_rules import Schedule as StoredScheduleLike
from farm_core.domain.sensors import Sensor
from farm_core.domain.site import Site
from farm_core.domain.time import MS_PER_DAY
from farm_core.domain.time import to_rfc3339 as _to_rfc3339
from farm_core.http.json_body import format_float
from farm_core.store.schedules import ActionLog, Alarm, ScheduleRun

string = _string


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    """`YYYY-MM-DDT` of a day since the epoch (points and events share a few days)."""
    return _to_rfc3339(days * MS_PER_DAY)[:-13]


def to_rfc3339(ms: int) -> str:
    """`farm_core.domain.time.to_rfc3339`, with the date part cached."""
    days, rest = divmod(ms, MS_PER_DAY)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{_day(days)}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def f64(value: float) -> str:
    """An `f64` as serde_json writes it."""
    if not math.isfinite(value):
        return "null"
    text = repr(value)
    # Python's repr and serde_json's writer agree except on exponents, which differ in form.
    return text if "e" not in text else format_float(value)


def opt_f64(value: float | None) -> str:
    return "null" if value is None else f64(value)


def opt_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def opt_str(value: str | None) -> str:
    return "null" if value is None else _string(value)


def ts(ms: int) -> str:
    return f'"{to_rfc3339(ms)}"'


def opt_ts(ms: int | None) -> str:
    return "null" if ms is None else f'"{to_rfc3339(ms)}"'


def items(parts: list[str]) -> str:
    return '{"items":[' + ",".join(parts) + "]}"


def node(n: Node) -> str:
    return (
        f'{{"id":{n.id},"name":{_string(n.name)},"mac":{_string(n.mac)},"model":{_string(n.model)},'
        f'"agent_version":{_string(n.agent_version)},"ip":{opt_str(n.ip)},"status":"{n.status.value}",'
        f'"heartbeat_interval_s":{n.heartbeat_interval_s},"uptime_s":{opt_int(n.uptime_s)},'
        f'"adopted_at":{ts(n.adopted_at)},"last_seen_at":{opt_ts(n.last_seen_at)},'
        f'"retired_at":{opt_ts(n.retired_at)}}}'
    )


def _sensor_fields(s: Sensor) -> str:
    return (
        f'"id":{s.id},"node_id":{s.node_id},"key":{_string(s.key)},"name":{_string(s.name)},'
        f'"kind":"{s.kind.value}","unit":{_string(s.unit)},"interval_s":{s.interval_s},'
        f'"retention_days":{s.retention_days},"last_value":{opt_f64(s.last_value)},"last_ts":{opt_ts(s.last_ts)}'
    )


def sensor(s: Sensor) -> str:
    return "{" + _sensor_fields(s) + "}"


def removed(resource: str, removed_at: int) -> str:
    """A removed resource's JSON object as it was, with when it went (a removal event's data)."""
    return f'{resource[:-1]},"removed_at":{ts(removed_at)}}}'


def _output_fields(o: Output) -> str:
    return (
        f'"id":{o.id},"node_id":{o.node_id},"key":{_string(o.key)},"name":{_string(o.name)},'
        f'"kind":"{o.kind.value}","default_state":{o.default_state},"desired_state":{o.desired_state},'
        f'"reported_state":{opt_int(o.reported_state)},"reported_at":{opt_ts(o.reported_at)}'
    )


def output(o: Output) -> str:
    return "{" + _output_fields(o) + "}"


def command(c: Command) -> str:
    return (
        f'{{"id":{c.id},"output_id":{c.output_id},"node_id":{c.node_id},"output_key":{_string(c.output_key)},'
        f'"state":{c.state},"source":"{c.source.value}","requested_by":{opt_str(c.requested_by)},'
        f'"status":"{c.status.value}","created_at":{ts(c.created_at)},"delivered_at":{opt_ts(c.delivered_at)},'
        f'"finished_at":{opt_ts(c.finished_at)},"error":{opt_str(c.error)}}}'
    )


def opt_command(c: Command | None) -> str:
    return "null" if c is None else command(c)


def site(s: Site) -> str:
    return (
        f'{{"name":{_string(s.name)},"timezone":{_string(s.timezone)},"units":"{s.units.value}",'
        f'"updated_at":{ts(s.updated_at)}}}'
    )


def _pending(last: Command | None) -> Command | None:
    """The newest command while it is queued or delivered (the toggle shows a spinner)."""
    return last if last is not None and last.status.is_open else None


def dashboard(d: DashboardState) -> str:
    sensors = ",".join(f'{{{_sensor_fields(s)},"stale":{"true" if stale else "false"}}}' for s, stale in d.sensors)
    outputs = ",".join(
        f'{{{_output_fields(o)},"pending_command":{opt_command(_pending(last))},"last_command":{opt_command(last)}}}'
        for o, last in d.outputs
    )
    c = d.counts
    counts = (
        f'{{"nodes_online":{c.nodes_online},"nodes_offline":{c.nodes_offline},"nodes_retired":{c.nodes_retired},'
        f'"sensors":{c.sensors},"sensors_stale":{c.sensors_stale},"outputs":{c.outputs},'
        f'"commands_pending":{c.commands_pending}}}'
    )
    nodes = ",".join(node(n) for n in d.nodes)
    b = d.backup
    age = "null" if b.age_s is None else str(b.age_s)
    backup = (
        f'{{"newest_verified_at":{opt_ts(b.newest_verified_at)},"age_s":{age},'
        f'"stale":{"true" if b.stale else "false"}}}'
    )
    return (
        f'{{"site":{site(d.site)},"nodes":[{nodes}],"sensors":[{sensors}],"outputs":[{outputs}],'
        f'"counts":{counts},"backup":{backup},"generated_at":{ts(d.generated_at)}}}'
    )


def series(s: Series) -> str:
    points = ",".join(
        f'{{"ts":"{to_rfc3339(t)}","min":{f64(low)},"max":{f64(high)},"avg":{f64(avg)},"count":{count}}}'
        for t, low, high, avg, count in s.points
    )
    return (
        f'{{"sensor_id":{s.sensor_id},"resolution":"{s.resolution.value}","bucket_ms":{s.bucket_ms},'
        f'"points":[{points}]}}'
    )


# --- schedules, action logs, alarms (the stored JSON columns are serde's own text) -------------


def schedule(s: StoredScheduleLike) -> str:
    return (
        f'{{"id":{s.id},"name":{string(s.name)},"enabled":{"true" if s.enabled else "false"},'
        f'"priority":{s.priority},"timezone":{opt_str(s.timezone)},"recurrence":{s.recurrence_text},'
        f'"conditions":{s.conditions_text if s.conditions_text is not None else "null"},"actions":{s.actions_text},'
        f'"missed_run_policy":"{s.missed_run_policy}","created_at":{ts(s.created_at)},"updated_at":{ts(s.updated_at)}}}'
    )


def alarm(a: Alarm) -> str:
    return (
        f'{{"id":{a.id},"schedule_id":{opt_int(a.schedule_id)},"severity":"{a.severity}",'
        f'"message":{string(a.message)},"raised_at":{ts(a.raised_at)},"acknowledged_at":{opt_ts(a.acknowledged_at)},'
        f'"acknowledged_by":{opt_str(a.acknowledged_by)}}}'
    )


def action_log(log: ActionLog) -> str:
    return (
        f'{{"id":{log.id},"at":{ts(log.at)},"schedule_id":{opt_int(log.schedule_id)},'
        f'"schedule_name":{string(log.schedule_name)},"occurrence_start":{opt_ts(log.occurrence_start)},'
        f'"outcome":{string(log.outcome)},"reason":{opt_str(log.reason)},"output_ids":{log.output_ids},'
        f'"command_ids":{log.command_ids},"detail":{log.detail}}}'
    )


def schedule_run(r: ScheduleRun) -> str:
    return (
        f'{{"id":{r.id},"schedule_id":{r.schedule_id},"start":{ts(r.start)},"end":{ts(r.end)},'
        f'"reason":{string(r.reason)},"requested_by":{opt_str(r.requested_by)}}}'
    )
