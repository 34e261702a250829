"""The container files (containers cannot run on the development machines): they parse, name
extras that exist, and wire both replicas to the same PostgreSQL and Redis behind the balancer."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

DEPLOY = Path(__file__).parents[1] / "deploy"


def test_compose_runs_two_replicas_on_one_database_and_redis() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [s for s in services if s.startswith("vallum-")]
    assert 2 == len(replicas)
    envs = [services[s]["environment"] for s in replicas]
    assert 1 == len({(e["VALLUM_DATABASE_URL"], e["VALLUM_REDIS_URL"]) for e in envs})
    assert {"postgres", "redis", "lb"} <= set(services)
    upstream = (DEPLOY / "nginx.conf").read_text()
    assert all(f"server {r}:8080" in upstream for r in replicas)


def test_dockerfile_installs_extras_that_exist_and_serves_the_active_version() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    extras = set(re.search(r"'\.\[([a-z,]+)\]'", text).group(1).split(","))  # type: ignore[union-attr]
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["project"]
    assert extras <= set(project["optional-dependencies"])
    assert '"serve", "--active"' in text and "USER vallum" in text
