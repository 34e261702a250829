"""Evidence exported as OpenTelemetry log records: each carries its leaf index and the stored
bytes, so a record that reached a SIEM over OTLP still checks against a signed checkpoint
(in-memory exporter, and a real OTLP/HTTP receiver through the CLI)."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from typer.testing import CliRunner

from vallum.cli.main import app
from vallum.evidence import merkle
from vallum.evidence.export import export_lines
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.otel_logs import EVENT_NAME, emit, provider_from_env
from vallum.evidence.proofs import checkpoint, erase
from vallum.evidence.record import utc_now
from vallum.exceptions import ConfigError
from vallum.storage.database import Database

KEY = SigningKey.generate("vallum.test/otel")


def _record(n: int) -> dict[str, Any]:
    said = f"message {n}"
    return {
        "id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision",
        "principal": "user:a", "session": f"s{n}", "stage": "input", "action": "allow",
        "content": {"policy": "full", "sha256": hashlib.sha256(said.encode()).hexdigest(),
                    "text": said},
    }  # fmt: skip


def _in_memory() -> tuple[LoggerProvider, InMemoryLogRecordExporter]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    return provider, exporter


def test_log_records_check_against_a_checkpoint(sqlite_db: Database) -> None:
    """Every exported log record's body is the stored text whose leaf hash, with the proof in
    its attributes, gives the signed root at its leaf index; an erased record carries no
    content."""
    log = EvidenceLog(sqlite_db)
    stored = log.append_many([_record(n) for n in range(5)])
    erase(log, stored[2].id, reason="data-subject request", by="user:dpo")
    cp = checkpoint(log, KEY)
    provider, exporter = _in_memory()
    assert 6 == emit(export_lines(log, checkpoint=cp), provider)
    records = [r.log_record for r in exporter.get_finished_logs()]
    assert list(range(6)) == [r.attributes["vallum.evidence.leaf_index"] for r in records]
    for r in records:
        attrs = r.attributes
        proof = [base64.b64decode(h) for h in attrs["vallum.evidence.inclusion_proof"]]
        leaf = merkle.leaf_hash(str(r.body).encode())
        index = attrs["vallum.evidence.leaf_index"]
        assert merkle.verify_inclusion(index, cp.size, leaf, proof, cp.root)
        assert EVENT_NAME == r.event_name
    assert [s.id for s in stored] == [r.attributes["vallum.evidence.id"] for r in records[:5]]
    assert "vallum.evidence.payload" not in records[2].attributes  # erased
    assert "message 1" in records[1].attributes["vallum.evidence.payload"]
    assert "s3" == records[3].attributes["vallum.session"]
    assert "evidence.erased" == records[5].attributes["vallum.kind"]


def test_an_edited_body_no_longer_checks(sqlite_db: Database) -> None:
    """Hard negative: the proof carried by a log record does not vouch for other bytes."""
    log = EvidenceLog(sqlite_db)
    log.append_many([_record(n) for n in range(3)])
    cp = checkpoint(log, KEY)
    provider, exporter = _in_memory()
    emit(export_lines(log, checkpoint=cp), provider)
    r = exporter.get_finished_logs()[1].log_record
    proof = [base64.b64decode(h) for h in r.attributes["vallum.evidence.inclusion_proof"]]
    edited = str(r.body).replace('"allow"', '"block"').encode()
    assert not merkle.verify_inclusion(1, cp.size, merkle.leaf_hash(edited), proof, cp.root)


def test_timestamp_is_when_the_record_was_made(sqlite_db: Database) -> None:
    """The log record's time is the record's `created_at`, not the export's."""
    log = EvidenceLog(sqlite_db)
    log.append({**_record(0), "created_at": "2026-01-02T03:04:05.123456+00:00"})
    provider, exporter = _in_memory()
    emit(export_lines(log), provider)
    assert 1767323045123456000 == exporter.get_finished_logs()[0].log_record.timestamp


def test_logs_need_an_endpoint() -> None:
    """Not configured, or turned off: a clear error, never an export that goes nowhere."""
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        provider_from_env({})
    with pytest.raises(ConfigError, match="OTEL_LOGS_EXPORTER"):
        provider_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_LOGS_EXPORTER": "none"})


class _Receiver(BaseHTTPRequestHandler):
    """A real OTLP/HTTP endpoint: keeps every protobuf logs export it is sent (or refuses them
    all with 400 when `refuse` is set)."""

    exports: ClassVar[list[ExportLogsServiceRequest]] = []
    paths: ClassVar[list[str]] = []
    refuse: ClassVar[bool] = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).paths.append(self.path)
        if type(self).refuse:
            self.send_response(400)
            self.end_headers()
            return
        if self.path == "/v1/logs":
            request = ExportLogsServiceRequest()
            request.ParseFromString(body)
            type(self).exports.append(request)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.exports, _Receiver.paths, _Receiver.refuse = [], [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_sends_log_records_to_an_otlp_receiver(
    tmp_path: Path, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vallum audit export --format otel` delivers one log record per evidence record, with
    its leaf index and the stored text, to the configured endpoint."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    db = Database(url)
    ids = [s.id for s in EvidenceLog(db).append_many([_record(n) for n in range(4)])]
    db.dispose()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "audit-under-test")
    result = CliRunner().invoke(app, ["audit", "export", "--db", url, "--format", "otel"])
    assert 0 == result.exit_code, result.output
    got = [
        (resource.resource, log)
        for export in _Receiver.exports
        for resource in export.resource_logs
        for scope in resource.scope_logs
        for log in scope.log_records
    ]
    attrs = [{a.key: a.value for a in log.attributes} for _, log in got]
    assert [0, 1, 2, 3] == [a["vallum.evidence.leaf_index"].int_value for a in attrs]
    assert ids == [a["vallum.evidence.id"].string_value for a in attrs]
    bodies = [log.body.string_value for _, log in got]
    assert all(f'"id":"{i}"' in b for i, b in zip(ids, bodies, strict=True))
    service = {a.value.string_value for res, _ in got for a in res.attributes if a.key == "service.name"}  # fmt: skip
    assert {"audit-under-test"} == service


def test_cli_fails_when_the_receiver_refuses(
    tmp_path: Path, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hard negative: records the endpoint refused are not reported as sent; the command fails
    saying how many were delivered."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    db = Database(url)
    EvidenceLog(db).append_many([_record(n) for n in range(3)])
    db.dispose()
    _Receiver.refuse = True
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver)
    result = CliRunner().invoke(app, ["audit", "export", "--db", url, "--format", "otel"])
    assert 1 == result.exit_code, result.output
    assert "3 evidence records read, 0 delivered" in result.output
    assert ["/v1/logs"] == sorted(set(_Receiver.paths))
