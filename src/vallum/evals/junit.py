"""JUnit XML for CI: one test per scenario, per attack kind and per gate.

CI systems (GitHub Actions test reporters, GitLab, Jenkins) show these as test results. A kind is
a passing test that carries its TPR/FPR in `system-out`; it fails only through a gate on it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from vallum.evals.gates import GateResult


def junit_xml(report: dict[str, Any], gates: Sequence[GateResult]) -> str:
    root = ET.Element("testsuites", name="vallum-eval")
    scen = report.get("scenarios", {})
    if scen.get("n"):
        suite = _suite(root, "scenarios")
        for result in scen["results"]:
            case = ET.SubElement(
                suite, "testcase", classname=result["file"], name=result["name"], time="0"
            )
            if not result["passed"]:
                lines = [
                    f"step {f['step']} (line {f['line']}): " + "; ".join(f["problems"])
                    for f in result["failures"]
                ]
                failure = ET.SubElement(case, "failure", message=lines[0], type="ScenarioFailure")
                failure.text = "\n".join(lines)
    if report.get("kinds"):
        suite = _suite(root, "kinds")
        for row in report["kinds"]:
            case = ET.SubElement(suite, "testcase", classname="kinds", name=row["kind"], time="0")
            out = ET.SubElement(case, "system-out")
            out.text = (
                f"tpr={row['tpr']} ({row['tp']}/{row['positives']}) "
                f"fpr={row['fpr']} ({row['fp']}/{row['negatives']})"
            )
    for row in report.get("agentdojo", []):
        suite = _suite(root, f"agentdojo.{row['suite']}.{row['defense']}")
        case = ET.SubElement(suite, "testcase", classname="agentdojo", name=row["attack"], time="0")
        out = ET.SubElement(case, "system-out")
        out.text = f"utility={row['utility']} utility_under_attack={row['utility_under_attack']} asr={row['asr']}"
    if gates:
        suite = _suite(root, "gates")
        for result in gates:
            case = ET.SubElement(
                suite, "testcase", classname="gates", name=result.gate.spec, time="0"
            )
            if not result.passed:
                message = (
                    f"{result.gate.metric} is {result.value}, threshold {result.gate.threshold}"
                )
                ET.SubElement(case, "failure", message=message, type="GateFailure").text = message
    for suite in root:
        cases = list(suite.iter("testcase"))
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", "0")
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)
