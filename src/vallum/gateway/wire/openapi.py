"""The gateway's OpenAPI 3.1 description, served at `/openapi.json` (and fuzzed in the tests).

It describes what Vallum adds and checks; provider fields it forwards untouched are allowed
(`additionalProperties`) rather than listed.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON = "application/json"


def _responses(ok: dict[str, Any], *codes: int, stream: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {_JSON: {"schema": ok}}
    if stream:
        content["text/event-stream"] = {"schema": {"type": "string"}}
    out: dict[str, Any] = {"200": {"description": "OK", "content": content}}
    for code in codes:
        out[str(code)] = {"description": _REASONS[code], "content": {_JSON: {"schema": _ERROR}}}
    return out


_REASONS = {
    400: "Invalid request, or blocked by a control (`error.code` = `content_filter`)",
    401: "Unknown or missing credentials",
    403: "The model is outside this principal's inventory",
    413: "Request too large",
    429: "Rate limited",
    502: "Upstream failed",
    503: "Evidence or shared state unavailable",
    504: "Upstream timed out",
}
_CHAT_ERRORS = (400, 401, 403, 413, 429, 502, 503, 504)

_MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}},
                {"type": "null"},
            ]
        },
        "tool_call_id": {"type": "string"},
        "tool_calls": {"type": "array", "items": {"type": "object"}},
        "vallum_source": {
            "type": "string",
            "description": "Retrieved content: the source it came from",
        },
    },
}

_CHAT_REQUEST = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
        "stream": {"type": "boolean"},
        "tools": {"type": "array", "items": {"type": "object"}},
        "temperature": {"type": "number"},
        "max_tokens": {"type": "integer"},
    },
}

_ANTHROPIC_REQUEST = {
    "type": "object",
    "required": ["model", "max_tokens", "messages"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "max_tokens": {"type": "integer", "minimum": 1},
        "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": ["user", "assistant"]},
                    "content": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "object"}},
                        ]
                    },
                },
            },
        },
        "stream": {"type": "boolean"},
        "tools": {"type": "array", "items": {"type": "object"}},
    },
}

_RESPONSES_REQUEST = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "input": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "minItems": 1, "items": {"type": "object"}},
            ]
        },
        "instructions": {"type": "string"},
        "stream": {"type": "boolean"},
        "tools": {"type": "array", "items": {"type": "object"}},
        "max_output_tokens": {"type": "integer"},
    },
}

_EMBEDDINGS_REQUEST = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "input": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "minItems": 1, "items": {"type": "string"}},
            ]
        },
        "vallum_source": {"type": "string", "description": "The source the documents come from"},
    },
}

_COUNT_TOKENS_REQUEST = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": _ANTHROPIC_REQUEST["properties"]["messages"],  # type: ignore[index]
    },
}

_GUARD_REQUEST = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "tool": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "arguments": {"type": "object"}},
        },
        "source": {"type": "string"},
        "model": {"type": "string"},
        "prompt": {"type": "string"},
        "session": {"type": "string"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_DECISION = {
    "type": "object",
    "required": ["action", "reasons", "findings", "bundle_version", "evidence_id"],
    "properties": {
        "action": {"type": "string", "enum": ["allow", "redact", "require_approval", "block"]},
        "reasons": {"type": "array", "items": {"type": "object"}},
        "findings": {"type": "array", "items": {"type": "object"}},
        "bundle_version": {"type": "string"},
        "evidence_id": {"type": ["string", "null"]},
        "request_id": {"type": "string"},
    },
}

_SESSION_HEADER = {
    "name": "X-Vallum-Session",
    "in": "header",
    "required": False,
    "description": "Links requests into one session; labels persist across it.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:@-]{1,128}$"},
}


def openapi_schema() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Vallum gateway", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object"}},
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "summary": "OpenAI-compatible chat completion, enforced",
                    "parameters": [_SESSION_HEADER],
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _CHAT_REQUEST}},
                    },
                    "responses": _responses(
                        {"type": "object", "required": ["choices"]}, *_CHAT_ERRORS, stream=True
                    ),
                }
            },
            "/v1/messages": {
                "post": {
                    "summary": "Anthropic Messages-compatible, enforced",
                    "parameters": [_SESSION_HEADER],
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _ANTHROPIC_REQUEST}},
                    },
                    "responses": _responses(
                        {"type": "object", "required": ["content"]}, *_CHAT_ERRORS, stream=True
                    ),
                }
            },
            "/v1/responses": {
                "post": {
                    "summary": "OpenAI Responses API, enforced as chat completions are",
                    "parameters": [_SESSION_HEADER],
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _RESPONSES_REQUEST}},
                    },
                    "responses": _responses(
                        {"type": "object", "required": ["output"]}, *_CHAT_ERRORS, stream=True
                    ),
                }
            },
            "/v1/embeddings": {
                "post": {
                    "summary": "Embeddings: every input checked as a retrieval from its source",
                    "parameters": [_SESSION_HEADER],
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _EMBEDDINGS_REQUEST}},
                    },
                    "responses": _responses(
                        {"type": "object", "required": ["data"]}, *_CHAT_ERRORS
                    ),
                }
            },
            "/v1/messages/count_tokens": {
                "post": {
                    "summary": "Anthropic token count, passed through",
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _COUNT_TOKENS_REQUEST}},
                    },
                    "responses": _responses(
                        {"type": "object", "required": ["input_tokens"]}, *_CHAT_ERRORS
                    ),
                }
            },
            "/v1/models": {
                "get": {
                    "summary": "The models this caller may use",
                    "responses": _responses({"type": "object", "required": ["data"]}, 401, 503),
                }
            },
            "/v1/guard/{stage}": {
                "post": {
                    "summary": "Decide on content or a tool call at a stage",
                    "parameters": [
                        {
                            "name": "stage",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "enum": [
                                    "input",
                                    "retrieval",
                                    "tool_call",
                                    "tool_result",
                                    "output",
                                ],
                            },
                        },
                        _SESSION_HEADER,
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {_JSON: {"schema": _GUARD_REQUEST}},
                    },
                    "responses": _responses(_DECISION, 400, 401, 413, 503),
                }
            },
            "/healthz": {"get": {"security": [], "responses": _responses({"type": "object"})}},
            "/readyz": {
                "get": {
                    "security": [],
                    "responses": {
                        **_responses({"type": "object"}),
                        "503": {
                            "description": "Draining or a dependency is down",
                            "content": {
                                _JSON: {"schema": {"type": "object", "required": ["status"]}}
                            },
                        },
                    },
                }
            },
        },
    }
