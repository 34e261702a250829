"""Model output that must be JSON matching a schema.

For agents whose output feeds code (a router, a form filler), output that is not JSON or does
not validate is the failure to stop. The schema comes inline (`schema`) or from a file in the
bundle (`schema_file`, relative to the bundle directory); it is checked against JSON Schema
Draft 2020-12 when the detector is built, so a bad schema fails at load time, not per request.
Output may wrap the JSON in a ```json fenced block. `detail` names the failing location and
keyword, never the values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from vallum.detectors.base import Detector, DetectorSetup
from vallum.exceptions import DetectorError
from vallum.model import Finding, Stage

_FENCED = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)\n?```", re.S)


class OutputSchemaOptions(BaseModel):
    """`schema` (an inline JSON Schema) or `schema_file` (a path in the bundle), not both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: dict[str, Any] | None = None
    schema_file: str | None = None

    def __init__(self, **data: Any) -> None:
        if "schema" in data:
            data["schema_"] = data.pop("schema")
        super().__init__(**data)


class OutputSchemaDetector(Detector):
    """Flags output that is not JSON or does not validate against the configured schema."""

    id: ClassVar[str] = "output_schema"
    version: ClassVar[str] = "1"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT})
    description: ClassVar[str] = "Output must be JSON valid against a JSON Schema (Draft 2020-12)"
    normalized: ClassVar[bool] = False  # reads the text as it is delivered
    Options: ClassVar[type[BaseModel]] = OutputSchemaOptions

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        assert isinstance(self.options, OutputSchemaOptions)
        schema = self._load(self.options)
        # jsonschema is imported by the bundles that use this detector, not by every start-up
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/" + "/".join(str(p) for p in exc.path)
            raise DetectorError(
                f"output_schema: invalid JSON Schema at {where}: {exc.message}"
            ) from exc
        self._validator = Draft202012Validator(schema)

    def _load(self, options: OutputSchemaOptions) -> dict[str, Any]:
        if (options.schema_ is None) == (options.schema_file is None):
            raise DetectorError("output_schema: set exactly one of `schema` or `schema_file`")
        if options.schema_ is not None:
            return options.schema_
        assert options.schema_file is not None
        path = Path(self.setup.base_dir) / options.schema_file
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DetectorError(
                f"output_schema: cannot read schema_file {str(path)!r}: {exc}"
            ) from exc
        except ValueError as exc:
            raise DetectorError(
                f"output_schema: schema_file {str(path)!r} is not JSON: {exc}"
            ) from exc
        if not isinstance(loaded, dict):
            raise DetectorError(f"output_schema: schema_file {str(path)!r} must hold a JSON object")
        return loaded

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        body = text.strip()
        fenced = _FENCED.search(body)
        if fenced is not None:
            body = fenced.group(1).strip()
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [self._invalid(f"output is not JSON (line {getattr(exc, 'lineno', '?')})")]
        error = next(
            iter(sorted(self._validator.iter_errors(value), key=lambda e: list(e.path))), None
        )
        if error is None:
            return []
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        return [self._invalid(f"output fails schema at {where}: '{error.validator}' constraint")]

    def _invalid(self, detail: str) -> Finding:
        return Finding(
            detector=self.id,
            type="output_schema.invalid",
            score=1.0,
            labels=(),
            detail=detail,
        )
