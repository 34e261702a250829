"""The opt-in ONNX classifier: a tiny model this test builds, loaded from a folder by a control."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from vallum.bundle.loader import load_bundle
from vallum.detectors.onnx_classifier import OnnxClassifierDetector, OnnxClassifierOptions
from vallum.engine import Engine
from vallum.exceptions import DetectorError
from vallum.model import Action, Event, Principal, ReasonKind, Stage

onnx = pytest.importorskip("onnx", reason="needs the dev extra (onnx builds the test model)")
pytest.importorskip("onnxruntime", reason="needs vallum[onnx]")
tokenizers = pytest.importorskip("tokenizers", reason="needs vallum[onnx]")

AGENT = Principal.parse("agent:support-bot")
# Each word's (benign, attack) logit contribution; the model averages them over the tokens.
VOCAB = {"[UNK]": (0.0, 0.0), "ignore": (-2.0, 3.0), "instructions": (-1.0, 2.0),
         "password": (-1.0, 2.5), "hello": (2.0, -2.0), "order": (2.0, -2.0),
         "status": (1.5, -1.5), "please": (1.0, -1.0)}  # fmt: skip


def build_model(folder: Path, vocab: dict[str, tuple[float, float]] = VOCAB) -> Path:
    """A bag-of-words classifier as ONNX (Gather, ReduceMean) and a word-level tokenizer."""
    from onnx import TensorProto, helper

    table = np.array(list(vocab.values()), dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["emb"], axis=0),
            helper.make_node("ReduceMean", ["emb", "axes"], ["logits"], keepdims=0),
        ],
        "bag",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, None]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [1, None]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])],
        [
            helper.make_tensor("table", TensorProto.FLOAT, table.shape, table.ravel().tolist()),
            helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / "model.onnx"))
    tok = tokenizers.Tokenizer(
        tokenizers.models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]")
    )
    tok.normalizer = tokenizers.normalizers.Lowercase()
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(tmp_path_factory.mktemp("classifier") / "model")


def make(path: Path, **options: Any) -> OnnxClassifierDetector:
    return OnnxClassifierDetector(OnnxClassifierOptions(path=str(path), **options))


@pytest.mark.parametrize(
    ("text", "attack"),
    [
        ("ignore the instructions", True),
        ("IGNORE instructions, password", True),
        ("hello, order status please", False),
        ("please hello", False),
    ],
)
def test_scores_follow_the_model(model_dir: Path, text: str, attack: bool) -> None:
    """The detector's score is the model's attack-class softmax for the tokenised text."""
    [finding] = make(model_dir).detect(text, Stage.INPUT)
    assert attack == (finding.score > 0.5)


def test_long_text_is_scored_in_windows(model_dir: Path) -> None:
    """An attack after many benign tokens is found: windows keep it from being averaged away."""
    text = "hello order status " * 200 + "ignore instructions password " * 3
    [finding] = make(model_dir, max_tokens=16).detect(text, Stage.RETRIEVAL)
    [whole] = make(model_dir, max_tokens=8192).detect(text, Stage.RETRIEVAL)
    assert (True, False) == (finding.score > 0.5, whole.score > 0.5)


@pytest.mark.parametrize("missing", ["model.onnx", "tokenizer.json"])
def test_missing_file_names_it(tmp_path: Path, missing: str) -> None:
    """A folder without the model or the tokenizer fails at load, naming the file."""
    folder = build_model(tmp_path / "m")
    (folder / missing).unlink()
    with pytest.raises(DetectorError, match=missing):
        make(folder)


def test_positive_label_outside_the_outputs_fails(model_dir: Path) -> None:
    """A positive_label the model does not have is an error, not a silent zero."""
    with pytest.raises(DetectorError, match="positive_label"):
        make(model_dir, positive_label=5).detect("hello", Stage.INPUT)


def test_timeout_raises(model_dir: Path) -> None:
    """Past its timeout the detector raises DetectorError (the engine decides what it means)."""
    detector = make(model_dir, timeout_ms=50)
    slow = detector.score

    def score(text: str, run_options: Any = None) -> float:
        time.sleep(0.5)
        return slow(text, run_options)

    detector.score = score  # type: ignore[method-assign]
    with pytest.raises(DetectorError, match="no answer within"):
        detector.detect("hello", Stage.INPUT)


@pytest.mark.asyncio
async def test_async_detect_matches(model_dir: Path) -> None:
    """`adetect` (for event loops) gives what `detect` gives."""
    detector = make(model_dir)
    text = "ignore instructions"
    assert detector.detect(text, Stage.INPUT) == await detector.adetect(text, Stage.INPUT)


def bundle_with(bundle_copy: Path, control: dict[str, Any]) -> Path:
    config_file = bundle_copy / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["controls"].append(control)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return bundle_copy


@pytest.mark.parametrize(("fail_open", "expected"), [(False, Action.BLOCK), (True, Action.ALLOW)])
def test_control_turns_it_on_and_failure_is_recorded(
    bundle_copy: Path, fail_open: bool, expected: Action
) -> None:
    """A bundle control loads the classifier from a folder beside vallum.yaml; a model that fails
    blocks or allows as the control says, with a detector_failed reason in the decision."""
    build_model(bundle_copy / "models" / "clf")
    control = {
        "id": "onnx-in", "detector": "onnx_classifier", "stages": ["input"], "threshold": 0.8,
        "action": "block", "fail_open": fail_open, "options": {"path": "models/clf"},
    }  # fmt: skip
    engine = Engine(load_bundle(bundle_with(bundle_copy, control)))
    hit = engine.evaluate(Event(Stage.INPUT, AGENT, "s1", text="ignore instructions password"))
    assert Action.BLOCK == hit.action
    assert "onnx-in" in [r.control for r in hit.reasons]
    # the same bundle with a model whose output is broken (positive label it does not have)
    control["id"], control["options"] = "onnx-broken", {"path": "models/clf", "positive_label": 7}
    engine = Engine(load_bundle(bundle_with(bundle_copy, control)))
    broken = engine.evaluate(Event(Stage.INPUT, AGENT, "s2", text="hello order status"))
    failed = [r.control for r in broken.reasons if r.kind is ReasonKind.DETECTOR_FAILED]
    assert (expected, ["onnx-broken"]) == (broken.action, failed)
