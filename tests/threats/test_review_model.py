"""One threat model for runtime and code: `vallum review --threat-model` reads the bundle's
threats.yaml (its `requirements`), and a separate threatmodel.yaml keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("tree_sitter")

from vallum.exceptions import ReviewError
from vallum.review import ReviewOptions, load_threat_model, review_sources

from .conftest import edit, run

APP = b"""from flask import Flask
app = Flask(__name__)

@app.route("/health")
def health():
    return "ok"

@app.route("/orders")
def orders():
    return "[]"
"""


@pytest.mark.parametrize("target", ["dir", "file"])
def test_bundle_threats_yaml_drives_the_review(example_dir: Path, target: str) -> None:
    """The example bundle's AUTH-1 (public: /health, /login) flags the unauthenticated /orders."""
    path = example_dir if target == "dir" else example_dir / "threats.yaml"
    model = load_threat_model(path)
    report = review_sources({"app.py": APP}, ReviewOptions(threat_model=model))
    assert ["AUTH-1", "ERR-1", "LOG-1"] == [r.id for r in model.requirements]
    assert [("tm.route-auth", 9)] == [(f.rule, f.line) for f in report.findings]


def test_a_requirement_changed_in_threats_yaml_changes_the_review(bundle_copy: Path) -> None:
    """Listing /orders public in threats.yaml clears the finding: the file is what is read."""
    edit(
        bundle_copy / "threats.yaml",
        'public: ["/health", "/login"]',
        'public: ["/health", "/orders"]',
    )
    report = review_sources(
        {"app.py": APP}, ReviewOptions(threat_model=load_threat_model(bundle_copy))
    )
    assert [] == report.findings


def test_cli_review_with_the_bundle(example_dir: Path, tmp_path: Path) -> None:
    """`vallum review APP --threat-model BUNDLE --fail-on high` exits 1 naming the requirement."""
    (tmp_path / "app.py").write_bytes(APP)
    code, output = run("review", str(tmp_path / "app.py"), "--threat-model", str(example_dir),
                       "--no-default-backends", "--fail-on", "high")  # fmt: skip
    assert (1, True) == (code, "[AUTH-1]" in output)


def test_legacy_threatmodel_yaml_still_works(tmp_path: Path) -> None:
    """A threatmodel.yaml alone in a directory, or named directly, is read as before."""
    (tmp_path / "threatmodel.yaml").write_text(
        "requirements:\n  - {id: AUTH-9, type: route-auth}\n"
    )
    for path in (tmp_path, tmp_path / "threatmodel.yaml"):
        assert ["AUTH-9"] == [r.id for r in load_threat_model(path).requirements]


def test_bad_requirement_in_threats_yaml_is_located(tmp_path: Path) -> None:
    """A requirement error in threats.yaml names the file and the requirement's key."""
    (tmp_path / "threats.yaml").write_text(
        "version: 1\nthreats: []\nrequirements:\n  - {id: U, type: upload, max_mb: -1}\n"
    )
    with pytest.raises(ReviewError, match=r"threats.yaml \[requirements.0.upload.max_mb\]"):
        load_threat_model(tmp_path)


def test_directory_without_a_model_is_an_error(tmp_path: Path) -> None:
    """A directory with neither file is a clear error, not an empty model."""
    with pytest.raises(ReviewError, match=r"no threats\.yaml or threatmodel\.yaml"):
        load_threat_model(tmp_path)
