"""The migration runner follows docs/architecture.md's rules, and start-up refuses a database
whose history this build does not recognise, with the Rust runner's messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import MIGRATIONS_DIR, farm_core

from farm_core import migrations
from farm_core.auth import passwords


def sql(data_dir: Path, statement: str) -> None:
    with sqlite3.connect(data_dir / "farm.db") as conn:
        conn.execute(statement)


def test_file_names_parse_strictly() -> None:
    assert migrations.parse_file_name("0001_init.sql") == (1, "init")
    assert migrations.parse_file_name("0012_add_nodes.sql") == (12, "add_nodes")
    for bad in ["1_init.sql", "0001-init.sql", "0001_.sql", "0001_Init.sql", "0001_init.txt", "00001_init.sql"]:
        assert migrations.parse_file_name(bad) is None, bad


def test_checksums_are_sha256_of_the_file_bytes() -> None:
    for m in migrations.load():
        path = next(MIGRATIONS_DIR.glob(f"{m.version:04d}_*.sql"))
        assert m.checksum == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


def test_applies_once_then_refuses_edits_and_unknown_versions() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    known = migrations.load()
    assert migrations.migrate(conn, known, 1) == [m.version for m in known]
    assert migrations.migrate(conn, known, 2) == [], "second run applies nothing"
    assert conn.execute("SELECT DISTINCT applied_at FROM schema_migrations").fetchall() == [(1,)]
    assert migrations.schema_version(conn) == known[-1].version

    edited = [migrations.Migration(known[0].version, known[0].name, known[0].sql, "0" * 64), *known[1:]]
    with pytest.raises(migrations.Refusal, match="checksum"):
        migrations.migrate(conn, edited, 3)
    with pytest.raises(migrations.Refusal, match="newer version"):
        migrations.migrate(conn, known[:-1], 4)


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in migrations.load():
        (folder / f"{m.version:04d}_{m.name}.sql").write_text(m.sql)
    (folder / "9000_broken.sql").write_text("CREATE TABLE fine (x INTEGER);\nCREATE TABLE;\n")
    conn = sqlite3.connect(":memory:", isolation_level=None)
    with pytest.raises(migrations.MigrationError, match="applying migration 9000_broken"):
        migrations.migrate(conn, migrations.load(folder), 1)
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def test_statements_split_where_sqlite_says_they_end() -> None:
    script = (
        "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n"
        "/* c; */ CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;\n-- tail;\n"
    )
    assert migrations.split_statements(script) == [
        "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');",
        "\n/* c; */ CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;",
    ]


def test_misnamed_migration_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError, match=r"migration file 1_init\.sql is not named NNNN_name\.sql"):
        migrations.load(tmp_path)


def test_migrate_applies_then_reports_the_version(tmp_path: Path) -> None:
    out = farm_core("--data-dir", str(tmp_path), "migrate")
    assert out.returncode == 0, out.stderr
    newest = migrations.load()[-1].version
    assert out.stdout == f"database {tmp_path}/farm.db is at schema version {newest}\n"


def test_checksum_mismatch_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    assert farm_core("--data-dir", str(tmp_path), "migrate").returncode == 0
    sql(tmp_path, "UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1")
    out = farm_core("--data-dir", str(tmp_path), "--listen", "127.0.0.1:0", "serve")
    assert out.returncode == 1
    first = migrations.load()[0]
    assert (
        f"migration 0001_init was applied with checksum abc, but this build's file has checksum {first.checksum}"
        in out.stderr
    )
    assert "a landed migration was edited; refusing to start" in out.stderr


def test_newer_schema_refuses_to_start(tmp_path: Path) -> None:
    assert farm_core("--data-dir", str(tmp_path), "migrate").returncode == 0
    sql(tmp_path, "INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 'x', 0)")
    out = farm_core("--data-dir", str(tmp_path), "migrate")
    assert out.returncode == 1
    assert (
        "the database has migration 9999_from_the_future, which this build does not know: it was written by a newer "
        "version; upgrade, or restore a backup taken before that version" in out.stderr
    )


def test_user_create_reads_the_password_from_the_environment_or_stdin(tmp_path: Path) -> None:
    out = farm_core(
        "--data-dir",
        str(tmp_path),
        "user",
        "create",
        "--username",
        "ada",
        "--role",
        "admin",
        env={"FARM_ADMIN_PASSWORD": "correct horse battery"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "created user ada (id 1, role admin)\n"
    out = farm_core("user", "create", "--data-dir", str(tmp_path), "--username", "bob", stdin="bob password 1\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "created user bob (id 2, role admin)\n", "role defaults to admin"
    with sqlite3.connect(tmp_path / "farm.db") as conn:
        rows = dict(conn.execute("SELECT username, password_hash FROM users").fetchall())
    assert passwords.verify("correct horse battery", rows["ada"])
    assert passwords.verify("bob password 1", rows["bob"])
    assert rows["ada"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_user_create_refuses_bad_input_with_the_domain_message(tmp_path: Path) -> None:
    out = farm_core(
        "--data-dir", str(tmp_path), "user", "create", "--username", "Ada", env={"FARM_ADMIN_PASSWORD": "x" * 12}
    )
    assert out.returncode == 1
    assert "username must be 3 to 32 characters" in out.stderr
    farm_core("--data-dir", str(tmp_path), "user", "create", "--username", "ada", env={"FARM_ADMIN_PASSWORD": "x" * 12})
    out = farm_core(
        "--data-dir", str(tmp_path), "user", "create", "--username", "ada", env={"FARM_ADMIN_PASSWORD": "x" * 12}
    )
    assert (out.returncode, out.stderr.strip()) == (1, "farm_core: username is taken")
