"""The environment, read in one typed place. Every variable has the `VALLUM_` prefix."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settings:
    """`VALLUM_DATABASE_URL`: evidence, sessions and approvals database (default SQLite file).
    `VALLUM_REDIS_URL`: shared session state and rate limits for gateway replicas.
    `VALLUM_DASHBOARD_TOKEN`: an admin token that opens the dashboard (docs/dashboard.md).
    `VALLUM_DASHBOARD_SECRET`: signs dashboard sessions; set the same one on every replica.
    `VALLUM_SIGNING_KEY` / `VALLUM_SIGNING_KEY_FILE`: the evidence log's checkpoint signing key
    (its text, or a path to it: docs/evidence.md)."""

    database_url: str | None = None
    redis_url: str | None = None
    dashboard_token: str | None = None
    dashboard_secret: str | None = None
    signing_key: str | None = None
    signing_key_file: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("VALLUM_DATABASE_URL") or None,
            redis_url=env.get("VALLUM_REDIS_URL") or None,
            dashboard_token=env.get("VALLUM_DASHBOARD_TOKEN") or None,
            dashboard_secret=env.get("VALLUM_DASHBOARD_SECRET") or None,
            signing_key=env.get("VALLUM_SIGNING_KEY") or None,
            signing_key_file=env.get("VALLUM_SIGNING_KEY_FILE") or None,
        )


def secret_from_env(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of the variable a config names for a secret (an upstream API key, say).

    The one exception to the `VALLUM_` prefix: the bundle chooses the name (`api_key_env`).
    """
    env = os.environ if env is None else env
    return env.get(name) or None
