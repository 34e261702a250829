"""Shared fixtures: the example bundle, databases (SQLite and the real PostgreSQL), principals."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, text

from vallum.bundle.loader import Bundle, load_bundle
from vallum.sessions.redis import RedisSessionStore
from vallum.storage.database import Database

POSTGRES_URL = os.environ.get(
    "VALLUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("VALLUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """The real Redis server's URL. Skips when Redis is absent outside CI; inside CI a missing
    Redis is a failure."""
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({exc}); start it to run this test")
    return REDIS_URL


@pytest.fixture
def redis_session_store(redis_url: str) -> Iterator[RedisSessionStore]:
    """A session store on the real Redis, under a fresh key prefix deleted afterwards."""
    client = Redis.from_url(redis_url)
    prefix = f"vallum-test:{uuid.uuid4().hex}:"
    yield RedisSessionStore(client, prefix=prefix, ttl_s=60)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def example_dir() -> Iterator[Path]:
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        yield Path(path)


@pytest.fixture(scope="session")
def example_bundle(example_dir: Path) -> Bundle:
    return load_bundle(example_dir)


@pytest.fixture
def bundle_copy(example_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the example bundle."""
    target = tmp_path / "bundle"
    shutil.copytree(example_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'vallum.db'}")
    yield db
    db.dispose()


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    """A Database on the real PostgreSQL server, in a fresh schema dropped afterwards."""
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL is required in CI but unreachable at {POSTGRES_URL}: {problem}"
            )
        pytest.skip(
            f"PostgreSQL not reachable at {POSTGRES_URL} ({problem}); start it to run this test"
        )
    schema = f"vallum_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """Both databases the evidence log supports."""
    return request.getfixturevalue(f"{request.param}_db")  # type: ignore[no-any-return]
