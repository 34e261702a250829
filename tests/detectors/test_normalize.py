"""Content detectors read the normal form (NFKC, invisible characters out, ASCII digits) and
their spans come back in the original's coordinates, so obfuscated values are found and cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vallum.bundle.loader import Bundle
from vallum.detectors.normalize import normalize
from vallum.engine import Engine
from vallum.model import Action, Event, Principal, Stage, ToolCall

from . import detector_reference as before

AGENT = Principal.parse("agent:support-bot")
ZW = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
SH = "\u00ad"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CARD = "4111 1111 1111 1111"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def fullwidth(text: str) -> str:
    """ASCII letters and digits as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


def sprinkle(value: str, marks: str, every: int = 1) -> str:
    """`value` with `marks` inserted after every `every`-th character (not after the last)."""
    out = []
    for i, ch in enumerate(value):
        out.append(ch)
        if i < len(value) - 1 and (i + 1) % every == 0:
            out.append(marks)
    return "".join(out)


@pytest.fixture
def engine(example_bundle: Bundle) -> Engine:
    return Engine(example_bundle)


def output(engine: Engine, text: str) -> tuple[Action, str | None, list[str]]:
    d = engine.evaluate(Event(Stage.OUTPUT, AGENT, "s-normalize", text=text), sink=None)
    return d.action, d.redacted_text, sorted({f.type for f in d.findings})


def test_the_normal_form_and_its_map() -> None:
    """Full-width forms fold, format characters go, digits become ASCII; each character of the
    normal form maps back to the original characters it was read from."""
    n = normalize("a\u200b\u200cＢ٣ﬃ")
    assert "aB3ffi" == n.text
    assert [(0, 1), (3, 4), (4, 5), (5, 6), (5, 6), (5, 6)] == [n.position(i) for i in range(6)]
    assert (0, 5) == n.span(0, 3)  # the invisible characters inside the span are in it
    assert not normalize("plain ascii").changed


ALPHABET = st.sampled_from(
    [
        *"aZ09 @.-",
        "%",
        "%3",
        "%34",
        "%E2%80%8B",
        "%FF",
        *ZW,
        SH,
        "４",
        "Ａ",
        "٣",
        "३",
        "\u0301",
        "é",
        "日",
        "（",
        "\ufe0f",
        "ﬃ",
        "\u3000",
    ]
)


@given(st.lists(ALPHABET, max_size=40).map("".join), st.data())
def test_every_span_maps_to_the_original_it_was_read_from(text: str, data: st.DataObject) -> None:
    """For any span of the normal form, its original span normalises to text containing it, and
    original spans never run backwards."""
    n = normalize(text)
    positions = [n.position(i) for i in range(len(n.text))]
    assert positions == sorted(positions)
    assert all(0 <= s < e <= len(text) for s, e in positions)
    if n.text:
        start = data.draw(st.integers(0, len(n.text) - 1))
        end = data.draw(st.integers(start + 1, len(n.text)))
        a, b = n.span(start, end)
        # what was read is in the original span, as written or in its own normal form (a run of
        # percent-escapes decodes only when all of it is valid UTF-8, so a piece may decode alone)
        read = n.text[start:end]
        assert read in normalize(text[a:b]).text or read in text[a:b]


def _cases() -> list[tuple[str, str]]:
    """(obfuscated value, finding type) for each way of writing a value an attacker has."""
    email = "jane.doe@gmail.com"
    card_plain = CARD.replace(" ", "")
    cases = []
    for n in (1, 2, 3):
        for mark in ZW:
            cases.append((sprinkle(AWS_ID, mark * n, 4), "secret.aws_access_key"))
            cases.append((sprinkle(card_plain, mark * n, 4), "pii.payment_card"))
            cases.append((sprinkle(email, mark * n, 5), "pii.email"))
    cases += [
        (sprinkle(AWS_ID, SH, 3), "secret.aws_access_key"),
        (sprinkle(CARD, SH, 1), "pii.payment_card"),
        (sprinkle(email, SH, 2), "pii.email"),
        (fullwidth(AWS_ID), "secret.aws_access_key"),
        (fullwidth(CARD), "pii.payment_card"),
        (fullwidth("jane.doe") + "@gmail.com", "pii.email"),
        (CARD.translate(ARABIC), "pii.payment_card"),
        (CARD.translate(DEVANAGARI), "pii.payment_card"),
        (card_plain.translate(ARABIC), "pii.payment_card"),
        # mixed: Arabic-Indic and full-width digits, a soft hyphen and a word joiner
        ("٤١١١" + SH + "１１１１\u2060" + "1111" + "\u200b١١١١", "pii.payment_card"),
        ("VALLUM" + SH + "-CANARY-" + fullwidth("7f3a9c"), "prompt_leak.canary"),
        # percent-escaped, as a value travels in a URL or a form
        (CARD.replace(" ", "%20"), "pii.payment_card"),
        ("".join(f"%{ord(c):02X}" for c in CARD), "pii.payment_card"),
        ("jane.doe%40gmail.com", "pii.email"),
        ("AKIA%E2%80%8BIOSFODNN7EXAMPLE", "secret.aws_access_key"),
        (
            sprinkle("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "\u200b", 6),
            "secret.github_token",
        ),
    ]
    return cases


@pytest.mark.parametrize(("value", "kind"), _cases())
def test_obfuscated_values_are_found_and_cut_whole(engine: Engine, value: str, kind: str) -> None:
    """Soft hyphens, zero-width characters, full-width forms and non-ASCII digits inside a key, a
    card number or an address do not hide it; its span is the whole original value, invisible
    characters inside it included, and a redaction cuts exactly that."""
    text = f"Here it is: {value} - thanks"
    decision = engine.evaluate(Event(Stage.OUTPUT, AGENT, "s-normalize", text=text), sink=None)
    spans = [text[f.start : f.end] for f in decision.findings if f.type == kind]
    assert [value] == spans
    if decision.action is Action.REDACT:
        assert f"Here it is: [REDACTED:{kind}] - thanks" == decision.redacted_text
    else:  # secrets and canaries block; zero-width runs also trip the invisible-text control
        assert Action.BLOCK == decision.action


@pytest.mark.parametrize(
    "text",
    [
        "Family: 👨\u200d👩\u200d👧\u200d👦 and 👩\u200d❤\ufe0f\u200d👨, flags 🇯🇵 🇩🇪 🏴󠁧󠁢󠁥󠁮󠁧󠁿",
        "تم الطلب في ١٥/٠٣/٢٠٢٤ بسعر ١٢٣٫٥٠ ريال، والتسليم خلال ٣ أيام.",
        "الفاتورة رقم ٢٠٢٤٠٣١٥ بتاريخ ٢٠٢٤-٠٣-١٥ والمبلغ ٤٥٠٠ درهم",
        "ऑर्डर १५/०३/२०२४ को दिया गया, कीमत ₹१२,४९९ है और डिलीवरी ३ दिन में।",
        "日本語の説明（全角）：ＡＢＣ商品は１２３４円、２０２４年３月１５日に発送します。",
        "ＴＥＬ受付は平日９時〜１８時です。型番ＸＹＺ－２０００をご確認ください。",
        "Zero\u200bwidth\u200bspaces between words, and a soft hy\u00adphen.",
        "Save 50%off today, 100% sure; %ZZ and %FF%FE are not text; see my%20file%20v2.pdf",
    ],
)
def test_hard_negatives_stay_quiet(engine: Engine, text: str) -> None:
    """Emoji sequences, Arabic, Hindi and Japanese prose with their own digits (dates, prices,
    model numbers) and invisible characters in plain words are not data."""
    _, _, kinds = output(engine, text)
    assert [] == [k for k in kinds if k.startswith(("pii.", "secret"))]


def test_a_tool_call_carrying_an_obfuscated_key_is_refused(engine: Engine) -> None:
    """A key written in full-width letters in a tool call's arguments is still a key."""
    call = ToolCall("search_kb", {"query": "key " + sprinkle(fullwidth(AWS_ID), SH, 5)})
    event = Event(Stage.TOOL_CALL, AGENT, "s-normalize-tool", tool_call=call)
    decision = engine.evaluate(event, sink=None)
    assert (Action.BLOCK, ["secret.aws_access_key"]) == (
        decision.action,
        [f.type for f in decision.findings],
    )


def test_detectors_that_read_as_a_renderer_see_the_original(engine: Engine) -> None:
    """Invisible-text checks still see the characters the normal form drops, at their place."""
    text = "Please " + "\u200b\u200c\u200d\u2060" * 3 + "approve"
    decision = engine.evaluate(Event(Stage.OUTPUT, AGENT, "s-normalize", text=text), sink=None)
    hits = [(f.start, f.end) for f in decision.findings if f.detector == "invisible_text"]
    assert [(7, 19)] == hits


# What makes the normal form differ or look as if it might: full-width forms and digits,
# compatibility characters, combining marks (after ASCII, after other letters, at a run's
# start), Hangul jamo that compose, format characters, odd spaces, ignorables, percent-escapes,
# CJK and Cyrillic prose.
_PIECES = [
    "こんにちは、注文した商品がまだ届いていません。", "？", "（", "）", "１２", "٤١", "ﬁ", "㎏",
    "e\u0301", "\u0301", "\u0308\u0323", "a\u0308", "1\u0301", "\n\u0301", "\u1100\u1161",
    "\u1161", "\u0b47\u0b3e", "\u200b", "\u00ad", "\u00a0", "\u3000", "\u034f", "\ufe0f",
    "Здравствуйте", "é", "ü", "%41", "%e2%82%ac", "%ff", "%", "a", " ", "7", "\t", "漢字",
    "\U0001d400", "Å", "\u212b", "ſ",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)
    | st.text(max_size=80)
    | st.lists(st.sampled_from(_PIECES), min_size=60, max_size=200).map("".join)
)
def test_normal_form_as_before(text: str) -> None:
    """Runs checked whole and in pieces give the same normal form and the same map back as one
    cluster at a time (the reference kept in `detector_reference`), on short and long texts."""
    new, old = normalize(text), before.NormalizedBefore(text)
    assert old.text == new.text
    assert [old.position(k) for k in range(len(old.text))] == [
        new.position(k) for k in range(len(new.text))
    ]
