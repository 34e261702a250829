"""Threat-model requirements: schema validation and compiled route-auth checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.exceptions import ReviewError
from vallum.review import ReviewOptions, load_threat_model, review_sources

APP = """from flask import Flask
from flask_login import login_required
app = Flask(__name__)

@app.route("/health")
def health():
    return "ok"

@app.route("/orders")
{decorator}def orders():
    return "[]"
"""


@pytest.mark.parametrize(
    ("decorator", "public", "expected"),
    [
        ("", ["/health"], ["tm.route-auth"]),
        ("@login_required\n", ["/health"], []),
        ("", ["/health", "/orders"], []),
    ],
)
def test_route_auth(tmp_path: Path, decorator: str, public: list[str], expected: list[str]) -> None:
    """Routes without authentication are findings unless listed public in the threat model."""
    model = tmp_path / "tm.yaml"
    model.write_text(f"requirements:\n  - id: AUTH-1\n    type: route-auth\n    public: {public}\n")
    report = review_sources(
        {"app.py": APP.format(decorator=decorator).encode()},
        ReviewOptions(threat_model=load_threat_model(model)),
    )
    assert expected == [f.rule for f in report.findings]


def test_django_urls_and_login_required() -> None:
    """Django routes come from urls.py; a view without login_required is reported."""
    views = (
        "from django.contrib.auth.decorators import login_required\n"
        "@login_required\ndef a(request):\n    pass\ndef b(request):\n    pass\n"
    )
    urls = (
        "from django.urls import path\nfrom . import views\n"
        "urlpatterns = [path('a/', views.a), path('b/', views.b)]\n"
    )
    from vallum.review.threatmodel.schema import ThreatModel

    model = ThreatModel.model_validate({"requirements": [{"id": "A", "type": "route-auth"}]})
    report = review_sources(
        {"shop/views.py": views.encode(), "shop/urls.py": urls.encode()},
        ReviewOptions(threat_model=model),
    )
    assert [("shop/urls.py", "tm.route-auth")] == [(f.path, f.rule) for f in report.findings]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("requirements:\n  - {id: X, type: nope}\n", "requirements.0"),
        ("requirements:\n  - {id: X, type: encrypted-fields}\n", "fields"),
        ("- just a list\n", "mapping"),
    ],
)
def test_invalid_threat_models_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    """Schema errors are ReviewErrors naming the file and the key at fault."""
    path = tmp_path / "tm.yaml"
    path.write_text(text)
    with pytest.raises(ReviewError, match=fragment):
        load_threat_model(path)
