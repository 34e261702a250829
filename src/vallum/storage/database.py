"""Connecting to the database: URL resolution, SQLite pragmas, schema creation, error mapping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from vallum.exceptions import ConfigError, EvidenceError
from vallum.extras import require
from vallum.settings import Settings
from vallum.storage.migrate import add_missing_columns
from vallum.storage.tables import metadata

DEFAULT_DB_PATH = Path(".vallum") / "vallum.db"
SQLITE_BUSY_TIMEOUT_S = 5.0


def default_database_url() -> str:
    """`VALLUM_DATABASE_URL` if set, else SQLite at `.vallum/vallum.db` under the cwd."""
    return Settings.from_env().database_url or f"sqlite:///{DEFAULT_DB_PATH}"


class Database:
    """A SQLAlchemy engine for SQLite or PostgreSQL, with Vallum's tables created."""

    def __init__(
        self,
        url: str | None = None,
        *,
        create: bool = True,
        busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S,
    ):
        self.busy_timeout_s = busy_timeout_s
        raw = url or default_database_url()
        try:
            parsed = make_url(raw)
        except ArgumentError as exc:
            raise ConfigError(f"invalid database URL {_safe(raw)!r}: {exc}") from exc
        self.url = _normalise(parsed)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._connect()
        try:
            if create:
                metadata.create_all(self.engine)
            add_missing_columns(self.engine)
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot open database {self.display_url}: {_first_line(exc)}"
            ) from exc

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _connect(self) -> Engine:
        if not self.is_sqlite:
            return create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        database = self.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            poolclass=StaticPool if database in (None, "", ":memory:") else None,
            connect_args={"timeout": self.busy_timeout_s, "check_same_thread": False},
        )
        # Own the transaction: BEGIN IMMEDIATE takes the write lock up front, so two writers
        # never both read the same chain head.
        event.listen(engine, "connect", _sqlite_on_connect(self.busy_timeout_s))
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine

    @property
    def is_sqlite_file(self) -> bool:
        """SQLite on disk (in WAL mode), as opposed to an in-memory database."""
        return self.is_sqlite and self.url.database not in (None, "", ":memory:")

    def dedicated_connection(
        self, *, autocheckpoint: bool = True, busy_timeout_s: float | None = None
    ) -> Any:
        """A DBAPI connection of its own, outside the pool, for one long-lived user (the
        gateway's evidence writer) that would otherwise check one out for every transaction.
        The caller closes it. With `autocheckpoint=False` (SQLite), its commits never run a WAL
        checkpoint: a `WalCheckpointer` does that off the commit path. `busy_timeout_s`
        (SQLite) replaces how long it waits for another connection's lock; 0 fails at once."""
        try:
            fairy = self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot connect to {self.display_url}: {_first_line(exc)}"
            ) from exc
        fairy.detach()  # closed by its user, never handed back to the pool
        if self.is_sqlite and (not autocheckpoint or busy_timeout_s is not None):
            cursor = fairy.cursor()
            if not autocheckpoint:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            if busy_timeout_s is not None:
                cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cursor.close()
        return fairy

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_on_connect(busy_timeout_s: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    return on_connect


def _normalise(url: URL) -> URL:
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "postgresql+psycopg":
        require("postgres", "psycopg", feature=f"database URL {url.render_as_string()}")
    return url


def _safe(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable>"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
