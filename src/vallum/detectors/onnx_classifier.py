"""A local text classifier the user supplies: an ONNX model and its tokenizer, from one folder.

Off by default: a bundle turns it on with a control, pointing at a folder it provides (for
example the user's own copy of an open prompt-injection model exported to ONNX):

    controls:
      - id: injection-onnx
        detector: onnx_classifier
        stages: [input, retrieval, tool_result]
        threshold: 0.9
        action: block
        fail_open: false            # a model that fails or times out blocks (and says so)
        options: {path: models/my-classifier, timeout_ms: 500}

The folder holds `model.onnx` and `tokenizer.json` (a Hugging Face `tokenizers` file). The model
takes `input_ids` (and `attention_mask`, `token_type_ids` when it declares them), int64, shape
[1, n], and returns logits [1, labels] (softmax; `positive_label` is the attack class) or one
logit (sigmoid). Texts longer than `max_tokens` are scored in overlapping token windows that cover
every token, and the highest score wins. Nothing is downloaded: a missing file is a `DetectorError` at load.
Needs `vallum[onnx]` (onnxruntime, tokenizers).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from vallum.detectors.base import Detector, DetectorSetup
from vallum.detectors.bounded import Bounded
from vallum.exceptions import DetectorError
from vallum.extras import require
from vallum.model import Finding, Stage

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"


class OnnxClassifierOptions(BaseModel):
    """Settings of an `onnx_classifier` control."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str  # the folder, relative to the bundle directory unless absolute
    timeout_ms: int = Field(default=1000, gt=0, le=60_000)
    positive_label: int = Field(default=1, ge=0)
    max_tokens: int = Field(default=512, ge=8, le=8192)
    threads: int = Field(default=1, ge=1, le=16)


class OnnxClassifierDetector(Detector):
    """Scores text with a user-supplied ONNX classifier, bounded by a timeout."""

    id: ClassVar[str] = "onnx_classifier"
    version: ClassVar[str] = "1"
    stages: ClassVar[frozenset[Stage]] = frozenset(
        {Stage.INPUT, Stage.RETRIEVAL, Stage.TOOL_RESULT, Stage.OUTPUT}
    )
    description: ClassVar[str] = "A local ONNX text classifier from a folder the bundle names"
    Options: ClassVar[type[BaseModel]] = OnnxClassifierOptions

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        opts = self.options
        if not isinstance(opts, OnnxClassifierOptions):
            raise DetectorError("onnx_classifier: options need a `path` to the model folder")
        self._opts = opts
        folder = Path(opts.path)
        if not folder.is_absolute():
            folder = Path(self.setup.base_dir) / folder
        model_path, tokenizer_path = folder / MODEL_FILE, folder / TOKENIZER_FILE
        for needed in (model_path, tokenizer_path):
            if not needed.is_file():
                raise DetectorError(f"onnx_classifier: {needed} not found (options.path)")
        ort = require("onnx", "onnxruntime", feature="the onnx_classifier detector")
        tokenizers = require("onnx", "tokenizers", feature="the onnx_classifier detector")
        try:
            session_options = ort.SessionOptions()
            session_options.intra_op_num_threads = opts.threads
            session_options.inter_op_num_threads = 1
            self._session = ort.InferenceSession(
                str(model_path), session_options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise DetectorError(f"onnx_classifier: cannot load {folder}: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        if "input_ids" not in self._inputs:
            raise DetectorError(f"onnx_classifier: {model_path} has no `input_ids` input")
        self._ort = ort
        self._bounded = Bounded(self.id, opts.timeout_ms / 1000)

    def _windows(self, text: str) -> list[list[int]]:
        ids: list[int] = self._tokenizer.encode(text).ids
        size = self._opts.max_tokens
        if len(ids) <= size:
            return [ids]
        step = size // 2
        # Every token is in some window (the last one ends at the text's end); no cap on their
        # number, since a cap would leave a long text's tail unread: the timeout bounds the cost.
        starts = [*range(0, len(ids) - size, step), len(ids) - size]
        return [ids[s : s + size] for s in starts]

    def _score_ids(self, ids: list[int], run_options: Any) -> float:
        arr = np.array([ids], dtype=np.int64)
        feed: dict[str, npt.NDArray[np.int64]] = {"input_ids": arr}
        if "attention_mask" in self._inputs:
            feed["attention_mask"] = np.ones_like(arr)
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(arr)
        out = np.asarray(self._session.run(None, feed, run_options)[0], dtype=np.float64).ravel()
        if out.size == 1:
            return float(1.0 / (1.0 + np.exp(-out[0])))
        if self._opts.positive_label >= out.size:
            raise DetectorError(
                f"onnx_classifier: positive_label {self._opts.positive_label} but the model "
                f"has {out.size} outputs"
            )
        e = np.exp(out - out.max())
        return float(e[self._opts.positive_label] / e.sum())

    def score(self, text: str, run_options: Any = None) -> float:
        """The highest positive-class probability over the text's token windows (unbounded)."""
        return max(self._score_ids(ids, run_options) for ids in self._windows(text))

    def _finding(self, score: float, stage: Stage) -> list[Finding]:
        return [
            Finding(
                detector=self.id,
                type="classifier",
                score=score,
                detail=f"onnx classifier score {score:.2f} at stage {stage.value}",
            )
        ]

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        if not text.strip():
            return []
        run_options = self._ort.RunOptions()

        def stop() -> None:
            run_options.terminate = True  # onnxruntime checks it between kernels

        return self._finding(self._bounded.run(lambda: self.score(text, run_options), stop), stage)

    async def adetect(self, text: str, stage: Stage) -> list[Finding]:
        """`detect` for callers on an event loop: the model runs on a thread, bounded."""
        if not text.strip():
            return []
        run_options = self._ort.RunOptions()
        try:
            score = await self._bounded.run_async(asyncio.to_thread(self.score, text, run_options))
        finally:
            run_options.terminate = True
        return self._finding(score, stage)
