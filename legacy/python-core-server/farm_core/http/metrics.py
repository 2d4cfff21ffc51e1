"""Chart data: `GET /api/metrics/query`."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain.metrics import Resolution, parse_query
from farm_core.http import Timestamp, json_text, wire
from farm_core.http.contract import I64, STRING, operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState

NodesView = Depends(require(Capability.NODES_VIEW))

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
                    STRING,
                    "One sensor id, or up to 16 separated by commas (overlay charts): `3,4,7`.",
                    required=True,
                ),
                param("from", "query", STRING, "Start of the range (RFC 3339), inclusive.", required=True),
                param("to", "query", STRING, "End of the range (RFC 3339), exclusive.", required=True),
                param("max_points", "query", I64, "At most this many points per sensor (2\u201310000, default 1000)."),
            ),
            errors=(400, 401, 403, 404, 422),
        ),
    )
