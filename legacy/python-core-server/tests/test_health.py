"""/healthz reports readiness, and 503 in the error shape when the database is not usable."""

from __future__ import annotations

from conftest import MIGRATIONS_DIR, TestApp, assert_error, json_of

from farm_core import migrations


def test_healthz_reports_backend_version_and_schema(app: TestApp) -> None:
    status, body = json_of(app.anonymous().get("/healthz"))
    assert status == 200
    newest = max(int(p.name[:4]) for p in MIGRATIONS_DIR.glob("*.sql"))
    assert body == {"status": "ok", "backend": "python", "version": "0.1.0", "schema_version": newest}
    assert newest == max(m.version for m in migrations.load())


def test_healthz_is_503_when_the_database_is_closed(app: TestApp) -> None:
    app.state.store.close()
    status, body = json_of(app.anonymous().get("/healthz"))
    assert_error(status, body, 503, "unavailable")
    assert body["error"]["message"] == "database not usable: the database is closed"


def test_healthz_is_503_when_the_database_cannot_be_read(app: TestApp) -> None:
    app.sql("DROP TABLE schema_migrations")
    status, body = json_of(app.anonymous().get("/healthz"))
    assert_error(status, body, 503, "unavailable")
    assert body["error"]["message"] == "database not usable: no such table: schema_migrations"
