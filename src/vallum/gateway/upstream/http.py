"""Talking to model providers: OpenAI-compatible servers and Anthropic, streaming or not.

One code path over an httpx transport, whatever it is (httpx's, the lean one, a client for a
proxy, a test's): each call is an `httpx.Request` built from parts prepared once per upstream and
handed to the transport (`build_transports` says why not through `httpx.AsyncClient`).
Every failure becomes a typed error here, at the boundary: a timeout `UpstreamTimeout`, a
refused request (4xx) `UpstreamRejected`, anything else (5xx, a dropped connection, a body that
is not a completion) `UpstreamError`. The API key goes into a header and nowhere else: error
messages carry the status and the provider's message, never the request.

Timeouts (`UpstreamConfig`): `connect_timeout_s` bounds opening a connection, `read_timeout_s`
the silence between two pieces of an answer, `total_timeout_s` a whole answer, or for a stream
the wait for its answer to begin: a stream may run longer, as long as it is never silent for
`read_timeout_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Protocol

import httpx

from vallum.bundle.gateway import UpstreamConfig
from vallum.exceptions import ConfigError, UpstreamError, UpstreamRejected, UpstreamTimeout
from vallum.gateway.wire import anthropic as anthropic_format
from vallum.gateway.wire import openai as openai_format
from vallum.gateway.wire.chat import ChatRequest, ChatResult, StreamEnd, StreamEvent
from vallum.gateway.wire.json import dumps
from vallum.gateway.wire.sse import iter_sse, lines

MAX_ERROR_CHARS = 300
MAX_ERROR_BYTES = 64 * 1024  # of an error answer to a streamed request, read for its message
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # no header value may carry these
DRAIN_S = 0.05  # after a stream's last event, how long to wait for its body to end (then: close)


class Upstream(Protocol):
    """A model provider, spoken to in the gateway's shapes."""

    name: str

    @property
    def kind(self) -> str:
        """`openai` or `anthropic`: the provider's API."""
        ...

    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Events ending with exactly one `StreamEnd`, or an `UpstreamError` raised."""
        ...

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST JSON to `path` under the upstream's base URL: status and body, as answered."""
        ...


class HttpUpstream:
    """An upstream over HTTP, through `transports` (taken in turn: see `build_transports`).

    >>> up = HttpUpstream("local", UpstreamConfig(base_url="http://127.0.0.1:8000/v1"),
    ...                   build_transports(None, "lean"), api_key=None)
    >>> result = await up.complete(request)
    """

    def __init__(
        self,
        name: str,
        config: UpstreamConfig,
        transports: httpx.AsyncBaseTransport | Sequence[httpx.AsyncBaseTransport],
        api_key: str | None,
    ):
        self.name = name
        self.kind = config.kind
        self._transports = itertools.cycle(
            [transports] if isinstance(transports, httpx.AsyncBaseTransport) else list(transports)
        )
        base = config.base_url.rstrip("/")
        self._base = base
        self._url = httpx.URL(
            f"{base}/chat/completions" if self.kind == "openai" else f"{base}/v1/messages"
        )
        self._total = config.total_timeout_s
        timeout = httpx.Timeout(config.total_timeout_s, connect=config.connect_timeout_s,
                                read=config.read_timeout_s)  # fmt: skip
        self._extensions = {"timeout": timeout.as_dict()}
        if api_key is not None and _CONTROL.search(api_key):
            raise ConfigError(
                f"upstream {name!r}: the API key contains a control character (CR, LF, NUL...);"
                " it would split the request's headers"
            )
        self._headers = httpx.Headers(
            {"content-type": "application/json", **_auth_headers(config.kind, api_key)}
        )

    def __repr__(self) -> str:  # never shows the key
        return f"HttpUpstream({self.name!r}, {self.kind}, {self._base!r})"

    def _request(self, request: ChatRequest) -> httpx.Request:
        body = (
            openai_format.build_request(request)
            if self.kind == "openai"
            else anthropic_format.build_request(request)
        )
        return httpx.Request("POST", self._url, content=dumps(body), headers=self._headers,
                             extensions=self._extensions)  # fmt: skip

    def _timed_out(self, what: str) -> UpstreamTimeout:
        return UpstreamTimeout(
            f"upstream {self.name!r} timed out (TotalTimeout: {what} within {self._total:g} s)"
        )

    async def complete(self, request: ChatRequest) -> ChatResult:
        try:
            async with asyncio.timeout(self._total):
                response = await next(self._transports).handle_async_request(self._request(request))
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except TimeoutError:
            raise self._timed_out("no complete answer") from None
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"upstream {self.name!r} timed out ({_describe(exc)})") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self.name!r} failed: {_describe(exc)}") from None
        if response.status_code >= 400:
            raise _status_error(self.name, response.status_code, response.text)
        return self._parse_body(response.content)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST JSON to `path` under the base URL (embeddings, token counts): the routes that
        pass a provider's answer on as it is, after checking what they send."""
        request = httpx.Request("POST", httpx.URL(f"{self._base}{path}"), content=body,
                                headers=self._headers, extensions=self._extensions)  # fmt: skip
        try:
            async with asyncio.timeout(self._total):
                response = await next(self._transports).handle_async_request(request)
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except TimeoutError:
            raise self._timed_out("no answer") from None
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"upstream {self.name!r} timed out ({_describe(exc)})") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self.name!r} failed: {_describe(exc)}") from None
        return response.status_code, response.content

    def _parse_body(self, content: bytes) -> ChatResult:
        try:
            body = json.loads(content)
            if self.kind == "openai":
                return openai_format.parse_response(body)
            return anthropic_format.parse_response(body)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise UpstreamError(
                f"upstream {self.name!r} answered something that is not a completion: {exc}"
            ) from None
        except RecursionError:
            raise UpstreamError(f"upstream {self.name!r} answered JSON nested too deep") from None

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        ended = [False]
        transport, outgoing = next(self._transports), self._request(request)
        try:
            try:  # the total timeout bounds the wait for the answer to begin, not its length
                async with asyncio.timeout(self._total):
                    response = await transport.handle_async_request(outgoing)
            except TimeoutError:
                raise self._timed_out("the answer did not begin") from None
            try:
                if response.status_code >= 400:
                    text = (await _read_at_most(response, MAX_ERROR_BYTES)).decode(errors="replace")
                    raise _status_error(self.name, response.status_code, text)
                source = lines(response.aiter_bytes())
                async for item in self._events(iter_sse(source), ended):
                    yield item
                # The events end at [DONE], the body a moment later: read to its end (briefly),
                # or the connection is closed, and the next stream pays for a new one (TLS).
                with contextlib.suppress(httpx.HTTPError, TimeoutError):
                    async with asyncio.timeout(DRAIN_S):
                        async for _ in source:
                            pass
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"upstream {self.name!r} timed out mid-stream ({_describe(exc)})"
            ) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self.name!r} stream broke: {_describe(exc)}") from None
        if not ended[0]:
            raise UpstreamError(f"upstream {self.name!r} closed the stream before it finished")

    async def _events(
        self, events: AsyncIterator[tuple[str | None, str]], ended: list[bool]
    ) -> AsyncGenerator[StreamEvent, None]:
        """Our stream events from the upstream's SSE events, up to `[DONE]`; `ended[0]` is set
        once the finish has been seen."""
        parser = anthropic_format.ChunkParser()
        async for event, data in events:
            if data.strip() == "[DONE]":
                break
            for item in self._parse(parser, event, data):
                if isinstance(item, StreamEnd):
                    if ended[0]:  # a usage-only chunk after the finish: keep the usage
                        continue
                    ended[0] = True
                yield item

    def _parse(
        self, parser: anthropic_format.ChunkParser, event: str | None, data: str
    ) -> list[StreamEvent]:
        try:
            body = json.loads(data)
            if self.kind == "openai":
                return openai_format.parse_chunk(body)
            return parser.parse(event, body)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise UpstreamError(
                f"upstream {self.name!r} sent a malformed stream event: {exc}"
            ) from None
        except RecursionError:
            raise UpstreamError(
                f"upstream {self.name!r} sent a stream event nested too deep"
            ) from None


async def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    out = bytearray()
    async for piece in response.aiter_bytes():
        out += piece
        if len(out) >= limit:
            break
    return bytes(out[:limit])


def _describe(exc: httpx.HTTPError) -> str:
    """The exception's httpx name, and its detail when it has one (never the request)."""
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _auth_headers(kind: str, api_key: str | None) -> dict[str, str]:
    if kind == "anthropic":
        headers = {"anthropic-version": anthropic_format.API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers
    return {"authorization": f"Bearer {api_key}"} if api_key else {}


def _status_error(name: str, status: int, text: str) -> UpstreamError:
    detail = _provider_message(text)
    if 400 <= status < 500:
        return UpstreamRejected(
            f"upstream {name!r} refused the request ({status}): {detail}", status
        )
    return UpstreamError(f"upstream {name!r} failed ({status}): {detail}")


def _provider_message(text: str) -> str:
    try:
        body = json.loads(text)
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str):
            return message[:MAX_ERROR_CHARS]
    except ValueError:
        pass
    return text[:MAX_ERROR_CHARS].strip() or "no detail"
