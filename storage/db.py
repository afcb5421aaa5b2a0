"""Engine and schema from a database URL: SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision: a database at it is used as it is (tests/test_migrations.py checks
# that it is the head of the migrations).
SCHEMA_HEAD = "0015"
MIGRATION_LOCK_KEY = 7_304_551_337  # pg_advisory_xact_lock key for schema upgrades (any fixed number)
SQLITE_BUSY_TIMEOUT_MS = 30_000  # wait out another writer (daemon and a manual crawl) instead of failing
# What a database that is down, unreachable or locked raises: a crawl keeps the article (the spool) and goes on.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)
# PostgreSQL's SQLSTATE classes among those errors that say nothing of the statement: the connection (08),
# a deadlock or serialization failure (40), the server's resources (53), a lock (55), a shutdown or
# cancel (57), the system (58), an internal error (XX). The others refuse the statement itself (54: a
# value over a limit), which fails the same way however often it is tried.
UNAVAILABLE_STATES = ("08", "40", "53", "55", "57", "58", "XX")


def unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be used now (down, unreachable, out of space, locked), so
    that what failed may succeed later; False for a statement the database refuses for what it holds."""
    if not isinstance(error, UNAVAILABLE):
        return False
    state = getattr(getattr(error, "orig", None), "sqlstate", None)  # (PostgreSQL's; SQLite gives none)
    return not isinstance(state, str) or state[:2] in UNAVAILABLE_STATES


class DatabaseError(Exception):
    """The database URL is wrong or the database cannot be reached or upgraded."""


def utcnow() -> datetime:
    """Now in UTC, naive (the form every timestamp column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT with on_conflict_* for the session's backend (both speak ON CONFLICT)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def sqlite_file(db_url: str) -> Path | None:
    """The file of a SQLite database URL; None for an in-memory or another database."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser()
    return None


def state_name(db_url: str, kind: str) -> str:
    """A name for a file or folder newsdesk keeps for a database that is not a file of its own (the
    spool, the capture folder): the kind, the backend and a hash of the URL (its password left out)."""
    url = make_url(db_url)
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return f"{kind}-{url.get_backend_name()}-{key}"


def state_folder() -> Path:
    """Where those live by default: ~/.local/state/newsdesk."""
    return Path.home() / ".local" / "state" / "newsdesk"


def normalise_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and send them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages: index lookups stay in memory at 1M articles
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; DatabaseError with a readable reason when the URL is unusable."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"{url!r} is not a database URL (try sqlite:///newsdesk.db or postgresql+psycopg://user@host/db)"
        ) from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(f"cannot create {database}: folder {parent} does not exist")
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        # No JIT: newsdesk's queries are short, and compiling one (a search over many matches is costed
        # high enough to trigger it) took longer than running it.
        options = parsed.query.get("options", "")
        options = " ".join([*([options] if isinstance(options, str) else options), "-c jit=off"]).strip()
        kwargs["connect_args"] = {"connect_timeout": 10, "options": options}
    else:
        raise DatabaseError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as e:
        raise DatabaseError(f"no driver for {url!r}: {e}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def recorded_revision(engine: Engine) -> str | None:
    """The schema revision the database records (Alembic's table); None when it records none."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, the newest migration by default (an empty database gets the
    whole schema)."""
    current = recorded_revision(engine)
    if revision == "head" and current == SCHEMA_HEAD:
        return  # every process starts here: no need to load Alembic and read each migration script
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head() if revision == "head" else revision
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise DatabaseError(
            f"{where} was made by a newer newsdesk (schema revision {current}); nothing was changed: "
            "upgrade newsdesk to use it"
        )
    # Processes starting together on a new database (a daemon and a manual crawl, several workers) must
    # not both create the schema: the upgrade runs under a lock, and Alembic reads the revision again
    # inside it.
    migrating = _transactional_sqlite(engine) if engine.dialect.name == "sqlite" else engine
    try:
        with _migration_lock(engine), migrating.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            # Read again under the lock: another process may have created the schema meanwhile (its tables
            # seen beside no revision, read a moment apart, would look like someone else's database).
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return
            # Listed only for a database without newsdesk's schema (not on every start).
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"} if current is None else set()
            if tables:
                # Someone else's database: adding newsdesk's tables to it would be a surprise, and a name
                # clash would leave half a schema behind.
                shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
                raise DatabaseError(
                    f"{where} is not a newsdesk database (it already holds tables: {shown}); "
                    "nothing was changed: point --db at a new or a newsdesk database"
                )
            config.attributes["connection"] = conn
            logger.info("upgrading database schema from %s to %s", current or "empty", head)
            command.upgrade(config, revision)
    finally:
        if migrating is not engine:
            migrating.dispose()


def _transactional_sqlite(engine: Engine) -> Engine:
    """An engine on the same SQLite file whose transactions hold DDL too. Python's sqlite3 runs CREATE
    TABLE outside any transaction, so a first command killed while it created the schema left half of
    it behind, and every later command failed on "table already exists". With the driver's own
    transaction handling off and an explicit BEGIN (SQLAlchemy's documented recipe for pysqlite), the
    schema is created whole or not at all."""
    migrating = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(migrating, "connect")
    def no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(migrating, "begin")
    def begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive flock on the folder holding the SQLite database (PostgreSQL uses an advisory lock).

    Not on the database file itself: closing any descriptor of that file drops every POSIX lock this
    process holds on it, SQLite's included, and another process could then check the WAL back into the
    database and delete it under this process's open connections (their later commits would be lost)."""
    database = engine.url.database or ""
    if (
        engine.dialect.name != "sqlite"
        or not database
        or database == ":memory:"
        or database.startswith("file:")
    ):
        yield
        return
    folder = os.open(Path(database).expanduser().resolve().parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # releases the flock


def error_reason(error: Exception) -> str:
    """What a person needs of a database error: the driver's first line (no SQL, no background link)."""
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def connect(url: str, migrate: bool = True) -> Engine:
    """Engine for `url`, reachable and with an up-to-date schema; DatabaseError otherwise."""
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as e:
        engine.dispose()
        raise DatabaseError(
            f"cannot use database {engine.url.render_as_string()}: {error_reason(e)}"
        ) from None
    except SQLAlchemyError as e:
        engine.dispose()
        raise DatabaseError(f"database error on {engine.url.render_as_string()}: {e}") from None
    return engine


class Database:
    """One engine for one holder's lifetime (a crawl, a command): connected, with its schema checked, on
    first use, and disposed by close(). Nothing else opens or closes it."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = connect(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
