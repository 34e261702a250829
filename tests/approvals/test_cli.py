"""`vallum approvals list | show | approve | deny` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vallum.approvals import ApprovalService
from vallum.bundle.loader import load_bundle
from vallum.cli.main import app
from vallum.storage.database import Database

from .conftest import refund

runner = CliRunner()


def test_list_show_approve_from_the_shell(example_dir: Path, tmp_path: Path) -> None:
    """A pending approval is listed as JSON, shown, refused to the wrong role, approved by finance."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    service = ApprovalService.open(load_bundle(example_dir), Database(url), notify=False)
    approval = service.hold(refund())
    base = ["--db", url]
    listed = runner.invoke(app, ["approvals", "list", "--json", *base])
    shown = runner.invoke(app, ["approvals", "show", approval.id[:8], *base])
    wrong = runner.invoke(
        app,
        [
            "approvals",
            "approve",
            approval.id,
            "--as",
            "user:sam",
            "--bundle",
            str(example_dir),
            *base,
        ],
    )
    right = runner.invoke(
        app,
        ["approvals", "approve", approval.id, "--as", "user:fiona", "--reason", "ok",
         "--bundle", str(example_dir), *base],
    )  # fmt: skip
    after = json.loads(
        runner.invoke(app, ["approvals", "show", approval.id, "--json", *base]).stdout
    )
    assert [approval.id] == [a["id"] for a in json.loads(listed.stdout)["approvals"]]
    assert "refund" in shown.stdout
    assert (1, 0) == (wrong.exit_code, right.exit_code)
    assert ("approved", "user:fiona", "ok") == (after["status"], after["decided_by"], after["note"])


def test_deny_and_self_approval(example_dir: Path, tmp_path: Path) -> None:
    """The requester cannot decide; a finance approver can deny."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    service = ApprovalService.open(load_bundle(example_dir), Database(url), notify=False)
    approval = service.hold(refund(principal="user:fiona"))
    common = ["--bundle", str(example_dir), "--db", url]
    own = runner.invoke(app, ["approvals", "deny", approval.id, "--as", "user:fiona", *common])
    assert 1 == own.exit_code
    assert "own request" in own.stderr
