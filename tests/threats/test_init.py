"""`vallum threats init`: the trifecta's threats, probed through the engine; proposals that
Cedar accepts against the bundle's schema and that close the gaps they were made for."""

from __future__ import annotations

import json
import shutil
from importlib.resources import as_file, files
from pathlib import Path

import cedarpy
import pytest

from vallum.bundle.loader import Bundle, load_bundle
from vallum.threats.init import ANSWERED, PARTLY, derive

from .conftest import drop_policy, edit, run


@pytest.fixture(scope="module")
def agentdojo_dir() -> Path:
    with as_file(files("vallum.integrations").joinpath("agentdojo_bundle")) as path:
        return Path(path)


def _trial(bundle_dir: Path) -> Path:
    """The example as a deployment trials positive provenance: `unproven-destination` recorded
    (monitor), not enforced, which leaves the gaps init reports."""
    edit(bundle_dir / "policies.cedar", '@id("unproven-destination")\n',
         '@id("unproven-destination")\n@mode("monitor")\n')  # fmt: skip
    return bundle_dir


def _status(bundle: Bundle) -> dict[str, str]:
    return {d.id: d.status for d in derive(bundle).threats}


def _proposals_valid(bundle_dir: Path) -> int:
    """Validate every proposal with Cedar against the bundle's own schema file; return how many."""
    bundle = load_bundle(bundle_dir)
    schema = cedarpy.Schema.from_str((bundle_dir / bundle.config.cedar_schema).read_text())
    proposals = [d.proposal for d in derive(bundle).threats if d.proposal is not None]
    for proposal in proposals:
        result = cedarpy.validate_policies(proposal.text, schema)
        assert result.validation_passed, (proposal.text, [str(e) for e in result.errors])
    return len(proposals)


@pytest.mark.parametrize("which", ["example", "agentdojo"])
def test_proposals_are_schema_valid_cedar(
    which: str, bundle_copy: Path, agentdojo_dir: Path
) -> None:
    """Every proposed policy, for the example bundle (trialling positive provenance) and the
    AgentDojo bundle, passes Cedar's validator against that bundle's schema."""
    assert _proposals_valid(_trial(bundle_copy) if which == "example" else agentdojo_dir) > 0


def test_example_bundle_trifecta(example_bundle: Bundle) -> None:
    """The example's legs: the web enters, customer data is present, send_email leaves; refund
    is an action but carries no data out."""
    report = derive(example_bundle).to_dict()
    assert ["source web"] == report["entries"]
    assert ["send_email"] == report["exits"]
    assert ["refund", "send_email"] == report["side_effects"]
    assert {"pii", "secret", "tool:get_order", "data.order_number"} <= set(report["private_data"])


def test_answered_threats_name_the_policies_that_hold_them(example_bundle: Bundle) -> None:
    """Refunds after web content are held by the policy written for it and by positive
    provenance, in every variant."""
    refund = next(d for d in derive(example_bundle).threats if d.id == "injection-to-refund")
    assert (ANSWERED, ["refund-after-untrusted-content", "unproven-destination"]) == (
        refund.status,
        refund.answered_by,
    )
    assert 2 == len(refund.probes)


def test_an_unseen_destination_is_the_gap_of_a_monitor_only_rule(
    example_bundle: Bundle, bundle_copy: Path
) -> None:
    """The next move after a copied recipient is refused: a recipient the content never shows.
    The example enforces a hold on it; trialled in monitor mode only, init reports the gap and
    proposes a hold."""
    shipped = next(d for d in derive(example_bundle).threats if d.id == "injection-to-send-email")
    assert (ANSWERED, []) == (shipped.status, shipped.gaps)
    trial = derive(load_bundle(_trial(bundle_copy))).threats
    email = next(d for d in trial if d.id == "injection-to-send-email")
    assert PARTLY == email.status
    assert [("destination unseen anywhere", True)] == [
        (g.variant, "unproven-destination" in g.monitored) for g in email.gaps
    ]
    assert email.proposal is not None and email.proposal.verified


def test_encoding_the_data_no_longer_gets_past_a_rule_on_findings(agentdojo_dir: Path) -> None:
    """AgentDojo's payment-card rule reads findings of the call, and the pii detector reads
    base64 as what it decodes to (issue 12): a tool without destinations (create_file) no
    longer leaks the encoded data, and init finds every variant held."""
    leak = next(
        d for d in derive(load_bundle(agentdojo_dir)).threats if d.id == "leak-pii-via-create-file"
    )
    assert (ANSWERED, [], 4) == (leak.status, leak.gaps, len(leak.probes))
    assert {
        "destination copied, data base64-encoded",
        "destination unseen, data base64-encoded",
    } <= {p.variant for p in leak.probes}


@pytest.mark.parametrize("which", ["example", "agentdojo"])
def test_pasting_the_proposals_answers_the_threats(
    which: str, example_dir: Path, agentdojo_dir: Path, tmp_path: Path
) -> None:
    """The verified proposals, added to the bundle, turn every one of their threats answered."""
    source = example_dir if which == "example" else agentdojo_dir
    bundle_dir = tmp_path / "b"
    shutil.copytree(source, bundle_dir)
    if which == "example":  # as shipped it has no gap left to propose for
        _trial(bundle_dir)
    code, output = run(
        "threats",
        "init",
        str(bundle_dir),
        "--json",
        "--proposals",
        str(bundle_dir / "proposed.cedar"),
    )
    assert 0 == code
    threats = json.loads(output)["threats"]
    fixed = {t["id"] for t in threats if t["proposal"] and t["proposal"]["verified"]}
    after = _status(load_bundle(bundle_dir))  # proposed.cedar is now part of the bundle
    assert fixed and {ANSWERED} == {after[i] for i in fixed}


def test_entries_a_policy_tells_apart_are_probed_apart(bundle_copy: Path) -> None:
    """A rule that only covers `untrusted:web` does not answer for a second untrusted source
    (positive provenance taken out, so that this rule alone answers for refunds)."""
    drop_policy(bundle_copy, "unproven-destination")
    edit(bundle_copy / "vallum.yaml", "  web:\n    trust: untrusted\n",
         "  web:\n    trust: untrusted\n  forum:\n    trust: untrusted\n")  # fmt: skip
    edit(bundle_copy / "policies.cedar", 'context.labels.contains("untrusted") };',
         'context.labels.contains("untrusted:web") };')  # fmt: skip
    refund = next(
        d for d in derive(load_bundle(bundle_copy)).threats if d.id == "injection-to-refund"
    )
    assert PARTLY == refund.status
    assert {"source forum"} == {g.entry for g in refund.gaps}


def test_no_untrusted_entry_no_trifecta(bundle_copy: Path) -> None:
    """Hard negative: with every source trusted, init derives no injection or leakage threat."""
    edit(
        bundle_copy / "vallum.yaml",
        "  web:\n    trust: untrusted\n",
        "  web:\n    trust: trusted\n",
    )
    assert [] == derive(load_bundle(bundle_copy)).threats


def test_rerun_shows_what_a_change_opened(
    bundle_copy: Path, example_dir: Path, tmp_path: Path
) -> None:
    """Against the earlier bundle (a directory or a saved --json), dropping the policies that
    hold refunds (the refund rule, and the order id from positive provenance) is shown as the
    threat it opened."""
    saved = tmp_path / "before.json"
    code, output = run("threats", "init", str(example_dir), "--json")
    saved.write_text(output)
    drop_policy(bundle_copy, "refund-after-untrusted-content")
    edit(bundle_copy / "policies.cedar", '["to:unproven", "order_id:unproven"]', '["to:unproven"]')
    for against in (example_dir, saved):
        code, output = run("threats", "init", str(bundle_copy), "--against", str(against), "--json")
        changes = json.loads(output)["changes"]
        assert (0, ["opened: injection-to-refund (answered -> unanswered)"]) == (code, changes)


def test_write_gives_a_threats_yaml_the_bundle_validates(bundle_copy: Path) -> None:
    """--write replaces nothing without --force, and what it writes loads with the bundle."""
    code, output = run("threats", "init", str(bundle_copy), "--write")
    assert 1 == code and "exists" in output
    code, _ = run("threats", "init", str(bundle_copy), "--write", "--force")
    threats = load_bundle(bundle_copy).threats
    assert 0 == code and threats is not None
    assert "injection-to-refund" in {t.id for t in threats.threats}
    # What it wrote is a start: the detector controls answer no derived threat yet.
    code, output = run("threats", str(bundle_copy), "--check", "--no-tests")
    assert (1, True) == (code, "control 'injection' answers no threat" in output)


def test_grouped_probes_answer_as_every_entry_alone(bundle_copy: Path) -> None:
    """Grouping entries the policies cannot tell apart changes no answer: three untrusted
    entries (two sources, one tool) give the same statuses grouped and probed one by one."""
    edit(bundle_copy / "vallum.yaml", "  web:\n    trust: untrusted\n",
         "  web:\n    trust: untrusted\n  forum:\n    trust: untrusted\n")  # fmt: skip
    edit(bundle_copy / "vallum.yaml", "  search_kb:\n    args: {query: string}\n    results: trusted\n",
         "  search_kb:\n    args: {query: string}\n    results: untrusted\n")  # fmt: skip
    bundle = load_bundle(bundle_copy)
    grouped = {d.id: (d.status, len(d.probes)) for d in derive(bundle).threats}
    alone = {d.id: d.status for d in derive(bundle, group=False).threats}
    assert alone == {i: s for i, (s, _) in grouped.items()}
    # three entries, two kinds of labels the policies see (retrieval vs tool result): 2 probed
    assert 4 == grouped["injection-to-refund"][1]
