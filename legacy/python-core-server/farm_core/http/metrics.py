"""Chart data: `GET /api/metrics/query`."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain.metrics import MAX_MAX_POINTS, MAX_SENSORS, Resolution, parse_query
from farm_core.http import Timestamp, json_text, wire
from farm_core.http.contract import DATE_TIME, STRING, int_range, operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState

NodesView = Depends(require(Capability.NODES_VIEW))

# `sensor_id` as `parse_query` reads it: ids (with an optional sign, trimmed of white space)
# separated by commas, at most MAX_SENSORS. 18 digits keep every id inside i64.
_WS = "[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*"
_ID = f"{_WS}[+-]?[0-9]{{1,18}}{_WS}"
SENSOR_IDS_PATTERN = f"^{_ID}(?:,{_ID}){{0,{MAX_SENSORS - 1}}}$"

PARAMS = [
    Param("sensor_id", "str", required=True),
    Param("from", "str", required=True),
    Param("to", "str", required=True),
    Param("max_points", "i64"),
]


class Point(BaseModel):
    ts: Timestamp = Field(description="Start of the bucket (raw: the reading's time).")
    min: float
    max: float
    avg: float
    count: int


class Series(BaseModel):
    sensor_id: int
    resolution: Resolution
    bucket_ms: int = Field(description="Bucket width in milliseconds; 0 for raw points.")
    points: list[Point]


async def metrics_query(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    params = query_of(request, PARAMS)
    query = parse_query(params["sensor_id"], params["from"], params["to"], params["max_points"])
    return json_text(wire.items([wire.series(s) for s in await state.store.metrics.query(query)]))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/metrics/query",
        metrics_query,
        methods=["GET"],
        **operation(
            "metrics_query",
            "metrics",
            "Readings of one or more sensors over a range, in at most `max_points` points each: raw readings when "
            "few enough, otherwise buckets with min, max and average (from hourly rollups for long ranges, so a "
            "year answers as fast as a day).",
            description="One series per sensor, in the order asked",
            response="Items_Series",
            params=(
                param(
                    "sensor_id",
                    "query",
                    {**STRING, "pattern": SENSOR_IDS_PATTERN},
                    "One sensor id, or up to 16 separated by commas (overlay charts): `3,4,7`.",
                    required=True,
                ),
                param("from", "query", DATE_TIME, "Start of the range (RFC 3339), inclusive.", required=True),
                param("to", "query", DATE_TIME, "End of the range (RFC 3339), exclusive; after `from`.", required=True),
                param(
                    "max_points",
                    "query",
                    int_range(2, MAX_MAX_POINTS),
                    "At most this many points per sensor (2\u201310000, default 1000).",
                ),
            ),
            errors=(400, 401, 403, 404, 422),
        ),
    )
