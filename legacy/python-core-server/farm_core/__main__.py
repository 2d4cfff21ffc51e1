"""The command line, mirroring `core-server`'s: `serve` (the default), `migrate`, `openapi`,
`user create`. Settings come from defaults < the --config TOML file < FARM_* environment
variables < flags; the setting flags may stand before or after the command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from farm_core import VERSION, demo, migrations
from farm_core.app import open_store, openapi_json, start_with_store
from farm_core.auth import passwords
from farm_core.clock import ClockError, SystemClock, clock_from_env
from farm_core.config import (
    SETTINGS,
    Config,
    ConfigError,
    env_layer,
    parse_bool,
    parse_listen,
    parse_log_format,
    parse_u64,
    resolve,
)
from farm_core.db import open_connection
from farm_core.domain import users
from farm_core.domain.errors import DomainError
from farm_core.domain.time import to_rfc3339
from farm_core.store import Store
from farm_core.store import migrate as migrate_database

log = logging.getLogger("farm_core")
PROG = "farm_core"


class CliError(Exception):
    pass


# --- arguments ----------------------------------------------------------------------------------


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return convert


def _add_settings(parser: argparse.ArgumentParser, default: Any) -> None:
    group = parser.add_argument_group("settings (also FARM_<NAME> environment variables)")
    add = group.add_argument
    add("--config", metavar="FILE", default=default, help="TOML file with any of the settings below [env: FARM_CONFIG]")
    add("--listen", metavar="ADDR", type=_checked(parse_listen), default=default, help="[default: 127.0.0.1:8080]")
    add("--database", metavar="FILE", default=default, help="SQLite database file [default: <data-dir>/farm.db]")
    add("--data-dir", metavar="DIR", default=default, help="data folder [default: ./data]")
    add("--log-format", type=_checked(parse_log_format), default=default, help="text or json [default: text]")
    add("--dashboard-dir", metavar="DIR", default=default, help="accepted for Rust parity; no dashboard here")
    add("--session-idle-minutes", metavar="MIN", type=_checked(parse_u64), default=default, help="[default: 720]")
    add("--session-absolute-hours", metavar="H", type=_checked(parse_u64), default=default, help="[default: 168]")
    add("--secure-cookies", metavar="BOOL", type=_checked(parse_bool), default=default, help="[default: false]")
    add("--backup-dir", metavar="DIR", default=default, help="folder for backups [default: <data-dir>/backups]")
    add("--backup-time", metavar="HH:MM", default=default, help='daily backup time, or "off" [default: 03:00]')
    add("--backup-keep-days", metavar="DAYS", type=_checked(parse_u64), default=default, help="[default: 30]")
    add("--backup-keep-min", metavar="N", type=_checked(parse_u64), default=default, help="[default: 3]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Farm Controller legacy core server (Python): the REST API of the Rust core-server",
        epilog="Settings come from defaults < the --config TOML file < FARM_* environment variables < flags.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"{PROG} {VERSION}")
    _add_settings(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_settings(sub, argparse.SUPPRESS)
        return sub

    serve = command("serve", "Migrate the database and serve HTTP until SIGINT or SIGTERM (the default)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="On an empty database: create the admin `admin` (password printed once), a demo farm with 30 days "
        "of history, and <data-dir>/demo-nodes.json for node-sim",
    )
    command("migrate", "Apply pending migrations and exit")
    command("openapi", "Print the OpenAPI document (sorted keys) to stdout")
    user = command("user", "Manage users from the command line")
    user_commands = user.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    create = user_commands.add_parser(
        "create", help="Create a user; the password is read from FARM_ADMIN_PASSWORD or the first line of stdin"
    )
    _add_settings(create, argparse.SUPPRESS)
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=[r.value for r in users.Role], default="admin")
    return parser


def config_from(args: argparse.Namespace) -> Config:
    try:
        top = env_layer(os.environ)
    except ConfigError as err:
        raise CliError(str(err)) from None
    top.update({name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None})
    config_file = getattr(args, "config", None) or os.environ.get("FARM_CONFIG") or None
    try:
        return resolve(Path(config_file) if config_file else None, top)
    except ConfigError as err:
        raise CliError(str(err)) from None


# --- logging ------------------------------------------------------------------------------------


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = to_rfc3339(int(record.created * 1000))
        text = f"{at} {record.levelname:>5} {record.name}: {record.getMessage()}"
        return f"{text}\n{self.formatException(record.exc_info)}" if record.exc_info else text


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": to_rfc3339(int(record.created * 1000)),
            "level": record.levelname,
            "target": record.name,
            "fields": {"message": record.getMessage()},
        }
        if record.exc_info:
            entry["fields"]["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_logging(log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("FARM_LOG_LEVEL", "INFO").upper())
    # uvicorn's own start-up chatter; its errors still show.
    logging.getLogger("uvicorn").setLevel(logging.WARNING)


# --- commands -----------------------------------------------------------------------------------


def _run(main: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is pinned, but the code runs without it
        asyncio.run(main)
    else:
        uvloop.run(main)


async def _shutdown_signal() -> None:
    """Resolves on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _seed_demo(config: Config, store: Store, now: int) -> None:
    """`serve --demo`: the demo admin (its password printed once) and the demo farm."""
    os.makedirs(config.data_dir, exist_ok=True)
    password = await demo.seed(store, config.data_dir, now)
    if password is None:
        print("Demo data exists: log in with the admin password printed when it was created.")
        return
    print(f"Demo admin created. Log in as:  admin / {password}")
    print("(This password is shown only once; `make reset-demo` starts over.)", flush=True)


async def serve(config: Config, demo: bool) -> None:
    clock = clock_from_env(os.environ.get("FARM_TEST_CLOCK"), os.environ.get("FARM_TEST_MODE"))
    if config.dashboard_dir:
        log.info("dashboard_dir is ignored: the legacy server answers only /api and /healthz")
    store = await open_store(config, clock)
    try:
        if demo:
            await _seed_demo(config, store, clock.now_ms())
        frozen = bool(os.environ.get("FARM_TEST_CLOCK"))
        running = await start_with_store(config, clock, store, background=True, frozen=frozen)
    except BaseException:
        store.close()
        raise
    log.info("listening addr=%s", running.addr)
    print(f"Farm Controller is listening on http://{running.addr}", flush=True)
    await _shutdown_signal()
    log.info("shutting down: finishing in-flight requests")
    await running.shutdown()


def migrate(config: Config) -> None:
    migrate_database(config.database, SystemClock().now_ms())
    conn = open_connection(config.database)
    try:
        version = migrations.schema_version(conn)
    finally:
        conn.close()
    print(f"database {config.database} is at schema version {version}")


def _read_password(username: str) -> str:
    password = os.environ.get("FARM_ADMIN_PASSWORD")
    if password is not None:
        return password
    if sys.stdin.isatty():
        print(f"Password for {username} (input is echoed; pipe it in or set FARM_ADMIN_PASSWORD):", file=sys.stderr)
    return sys.stdin.readline().rstrip("\r\n")


def user_create(config: Config, username: str, role: str) -> None:
    username = users.parse_username("username", username)
    password = users.parse_password("password", _read_password(username))
    password_hash = passwords.hash_password(password)
    now = SystemClock().now_ms()
    store = Store.open(config.database, now)

    async def create() -> users.User:
        return await store.users.create(username, password_hash, users.Role(role), now)

    try:
        user = asyncio.run(create())
    finally:
        store.close()
    print(f"created user {user.username} (id {user.id}, role {user.role.value})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    try:
        if command == "openapi":
            sys.stdout.write(openapi_json())
            return 0
        config = config_from(args)
        if command == "user":
            user_create(config, args.username, args.role)
            return 0
        init_logging(config.log_format)
        if command == "migrate":
            migrate(config)
        else:
            _run(serve(config, getattr(args, "demo", False)))
    except (
        CliError,
        ClockError,
        ConfigError,
        DomainError,
        migrations.MigrationError,
        OSError,
        sqlite3.Error,
    ) as err:
        message = err.message if isinstance(err, DomainError) else str(err)
        print(f"{PROG}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
