"""The OWASP catalogues a threat can map to: the Top 10 for LLM Applications (2025), the Top 10
for Agentic Applications (2026, `ASI01`..`ASI10`) and the Agentic AI Threats and Mitigations
taxonomy (`T1`..`T15`). Ids are checked so a typo is an error, not a silent non-mapping."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

LLM_TOP10_2025: Final = MappingProxyType(
    {
        "LLM01": "Prompt Injection",
        "LLM02": "Sensitive Information Disclosure",
        "LLM03": "Supply Chain",
        "LLM04": "Data and Model Poisoning",
        "LLM05": "Improper Output Handling",
        "LLM06": "Excessive Agency",
        "LLM07": "System Prompt Leakage",
        "LLM08": "Vector and Embedding Weaknesses",
        "LLM09": "Misinformation",
        "LLM10": "Unbounded Consumption",
    }
)

AGENTIC: Final = MappingProxyType(
    {
        "ASI01": "Agent Goal Hijack",
        "ASI02": "Tool Misuse and Exploitation",
        "ASI03": "Identity and Privilege Abuse",
        "ASI04": "Agentic Supply Chain Vulnerabilities",
        "ASI05": "Unexpected Code Execution",
        "ASI06": "Memory and Context Poisoning",
        "ASI07": "Insecure Inter-Agent Communication",
        "ASI08": "Cascading Failures",
        "ASI09": "Human-Agent Trust Exploitation",
        "ASI10": "Rogue Agents",
        "T1": "Memory Poisoning",
        "T2": "Tool Misuse",
        "T3": "Privilege Compromise",
        "T4": "Resource Overload",
        "T5": "Cascading Hallucination Attacks",
        "T6": "Intent Breaking and Goal Manipulation",
        "T7": "Misaligned and Deceptive Behaviors",
        "T8": "Repudiation and Untraceability",
        "T9": "Identity Spoofing and Impersonation",
        "T10": "Overwhelming Human in the Loop",
        "T11": "Unexpected RCE and Code Attacks",
        "T12": "Agent Communication Poisoning",
        "T13": "Rogue Agents in Multi-Agent Systems",
        "T14": "Human Attacks on Multi-Agent Systems",
        "T15": "Human Manipulation",
    }
)


def check_llm(value: str) -> str:
    """`value` as an LLM Top 10 (2025) id, or `ValueError` naming the known ones."""
    ident = value.strip().upper()
    if ident not in LLM_TOP10_2025:
        raise ValueError(f"unknown OWASP LLM Top 10 (2025) id {value!r} (LLM01..LLM10)")
    return ident


def check_agentic(value: str) -> str:
    """`value` as an OWASP agentic id (ASI01..ASI10 or T1..T15), or `ValueError`."""
    ident = value.strip().upper()
    if ident not in AGENTIC:
        raise ValueError(f"unknown OWASP agentic threat id {value!r} (ASI01..ASI10 or T1..T15)")
    return ident


def title(ident: str) -> str:
    """The catalogue title of an OWASP id, or an empty string."""
    return LLM_TOP10_2025.get(ident) or AGENTIC.get(ident, "")
