"""Cross-lingual intent features of the injection model: what a text asks for, in any language.

Character n-grams learn the surface of the languages they were trained on; an attack in a
language or script the model has rarely seen shares none of its n-grams with the training data.
This lexicon maps the words that carry an injection's intent (override, the prior rules, the
system prompt, a secret, reveal, persona, developer mode, authority, the assistant, forward,
harm, "from now on", a poem about it, an encoding) in 26 languages onto 16 shared concepts.
A concept is one feature whatever the language, and so is an unordered pair of concepts found
within `PAIR_SPAN` characters ("forget" near "rules", "password" near "poem"): weights learned
mostly from English rows then transfer to Hindi, Thai or Korean text using the same concepts.

Matching runs on the model's normalised text (the terms are normalised the same way, so the
look-alike folding of Cyrillic and Greek letters applies to them too). A term written in a
script that separates words by spaces (Latin, Cyrillic, Greek) must start a word; terms in other
scripts match anywhere (no spaces in Chinese, Japanese or Thai; clitics in Arabic and Hebrew).
One RE2 pass (a DFA over every term) finds the matches; a dict says each one's concept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import re2

from vallum.detectors.injection_lexicon_scripts import SCRIPT_TERMS
from vallum.detectors.injection_lexicon_terms import CONCEPTS, LATIN_TERMS

N_CONCEPTS = len(CONCEPTS)
# Feature slots: one per concept, then one per unordered pair (a, b) at N + a * N + b, a < b.
SLOTS = N_CONCEPTS + N_CONCEPTS * N_CONCEPTS
PAIR_SPAN = 100  # characters between two matches for them to pair
PAIR_BACK = 6  # each match pairs with at most this many earlier ones
MAX_MATCHES = 256  # a text dense with terms costs at most this many matches


def _needs_word_start(term: str) -> bool:
    first = term[0]
    return first.isalpha() and ord(first) < 0x0590  # Latin, Greek, Cyrillic (and Armenian)


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon: one RE2 alternation of every term (UTF-8, longest first, so the
    longest term wins at a position), and each term's concept and word-start requirement."""

    pattern: Any
    concept: dict[bytes, tuple[int, bool]]


def compile_lexicon(normalise: Callable[[str], str]) -> Lexicon:
    """The lexicon over `normalise`d terms (the model's normalisation, so look-alikes fold)."""
    concept: dict[bytes, tuple[int, bool]] = {}
    for concept_id, name in enumerate(CONCEPTS):
        for table in (LATIN_TERMS, SCRIPT_TERMS):
            for lang_terms in table.values():
                for raw in lang_terms.get(name, "").split("|"):
                    term = normalise(raw)
                    if term.strip():
                        key = term.encode("utf-8")
                        concept.setdefault(key, (concept_id, _needs_word_start(term)))
    options = re2.Options()
    options.never_capture = True
    options.max_mem = 64 << 20  # the DFA of ~2,500 literals; the default budget thrashes
    ordered = sorted(concept, key=lambda t: (-len(t), t))
    pattern = re2.compile(b"|".join(re2.escape(t) for t in ordered), options=options)
    return Lexicon(pattern, concept)


def lexicon_features(norm: str, lexicon: Lexicon) -> tuple[list[int], list[int]]:
    """(slot, position) lists of the concept and concept-pair features of normalised text."""
    data = norm.encode("utf-8", "surrogatepass")
    found = []
    for k, m in enumerate(lexicon.pattern.finditer(data)):
        if k >= MAX_MATCHES:
            break
        found.append((m.start(), m.group()))
    if not found:
        return [], []
    if len(data) != len(norm):  # byte offsets to character offsets
        lead = np.frombuffer(data, dtype=np.uint8) & 0xC0 != 0x80
        chars = np.concatenate(([0], np.cumsum(lead)))
        found = [(int(chars[b]), term) for b, term in found]
    slots: list[int] = []
    positions: list[int] = []
    seen: list[tuple[int, int]] = []  # (position, concept) of matches so far
    for pos, term in found:
        concept, word_start = lexicon.concept[term]
        if word_start and pos > 0 and norm[pos - 1].isalnum():
            continue
        slots.append(concept)
        positions.append(pos)
        for prev_pos, prev in seen[-PAIR_BACK:]:
            if pos - prev_pos <= PAIR_SPAN and prev != concept:
                a, b = (prev, concept) if prev < concept else (concept, prev)
                slots.append(N_CONCEPTS + a * N_CONCEPTS + b)
                positions.append(pos)
        seen.append((pos, concept))
    return slots, positions
