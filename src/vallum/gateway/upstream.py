"""Talking to model providers: OpenAI-compatible servers and Anthropic, streaming or not.

Every failure becomes a typed error here, at the boundary: a timeout `UpstreamTimeout`, a
refused request (4xx) `UpstreamRejected`, anything else (5xx, a dropped connection, a body that
is not a completion) `UpstreamError`. The API key goes into a header and nowhere else: error
messages carry the status and the provider's message, never the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any, Protocol

import httpx

from vallum.bundle.gateway import UpstreamConfig
from vallum.exceptions import UpstreamError, UpstreamRejected, UpstreamTimeout
from vallum.gateway.http11 import DRAIN_S, Http11Client, HttpFailure, HttpTimeout, usable_for
from vallum.gateway.sse import iter_sse, lines
from vallum.gateway.wire import anthropic as anthropic_format
from vallum.gateway.wire import openai as openai_format
from vallum.gateway.wire.chat import ChatRequest, ChatResult, StreamEnd, StreamEvent
from vallum.gateway.wire.json import dumps

MAX_ERROR_CHARS = 300
MAX_ERROR_BYTES = 64 * 1024  # of an error answer to a streamed request, read for its message


class Upstream(Protocol):
    """A model provider, spoken to in the gateway's shapes."""

    name: str

    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Events ending with exactly one `StreamEnd`, or an `UpstreamError` raised."""
        ...


class HttpUpstream:
    """An upstream over HTTP; `client` may carry a test or in-process transport.

    With `lean=True` and a plain-HTTP base URL without a proxy, calls go through `Http11Client`
    (one socket write per call, no pool bookkeeping), streams included; everything else goes
    through httpx.
    """

    def __init__(
        self,
        name: str,
        config: UpstreamConfig,
        client: httpx.AsyncClient | Sequence[httpx.AsyncClient],
        api_key: str | None,
        *,
        lean: bool = False,
    ):
        self.name = name
        self.kind = config.kind
        # Several small pools rather than one big one: httpcore scans its whole pool for every
        # request, which dominates at high concurrency.
        self._clients = itertools.cycle(
            [client] if isinstance(client, httpx.AsyncClient) else list(client)
        )
        self._base = config.base_url.rstrip("/")
        self._timeout = httpx.Timeout(config.total_timeout_s, connect=config.connect_timeout_s,
                                      read=config.read_timeout_s)  # fmt: skip
        self._headers = _auth_headers(config.kind, api_key)
        self._lean: Http11Client | None = None
        if lean and usable_for(self._url()):
            self._lean = Http11Client(self._base, connect=config.connect_timeout_s,
                                      read=config.read_timeout_s, total=config.total_timeout_s)  # fmt: skip
            self._lean_path = "/" + self._url().split("//", 1)[1].split("/", 1)[1]

    async def aclose(self) -> None:
        if self._lean is not None:
            await self._lean.aclose()

    def __repr__(self) -> str:  # never shows the key
        return f"HttpUpstream({self.name!r}, {self.kind}, {self._base!r})"

    def _url(self) -> str:
        return (
            f"{self._base}/chat/completions"
            if self.kind == "openai"
            else f"{self._base}/v1/messages"
        )

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        if self.kind == "openai":
            return openai_format.build_request(request)
        return anthropic_format.build_request(request)

    async def complete(self, request: ChatRequest) -> ChatResult:
        if self._lean is not None:
            return await self._complete_lean(self._lean, request)
        try:
            response = await next(self._clients).post(self._url(), json=self._body(request), headers=self._headers,
                                               timeout=self._timeout)  # fmt: skip
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"upstream {self.name!r} timed out ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self.name!r} failed: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise _status_error(self.name, response.status_code, response.text)
        return self._parse_body(response.content)

    async def _complete_lean(self, client: Http11Client, request: ChatRequest) -> ChatResult:
        payload = dumps(self._body(request))
        try:
            response = await client.post(self._lean_path, payload, self._headers)
        except HttpTimeout as exc:
            raise UpstreamTimeout(f"upstream {self.name!r} timed out ({exc})") from None
        except HttpFailure as exc:
            raise UpstreamError(f"upstream {self.name!r} failed: {exc}") from None
        if response.status >= 400:
            text = response.body.decode(errors="replace")
            raise _status_error(self.name, response.status, text)
        return self._parse_body(response.body)

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

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        if self._lean is not None:
            async for item in self._stream_lean(self._lean, request):
                yield item
            return
        ended = [False]
        try:
            async with next(self._clients).stream("POST", self._url(), json=self._body(request), headers=self._headers,
                                           timeout=self._timeout) as response:  # fmt: skip
                if response.status_code >= 400:
                    text = (await response.aread()).decode(errors="replace")
                    raise _status_error(self.name, response.status_code, text)
                source = response.aiter_lines()
                async for item in self._events(iter_sse(source), ended):
                    yield item
                # The events end at [DONE], the body a moment later: read to its end (briefly),
                # or httpx closes the connection, and the next stream pays for a new one (TLS).
                with contextlib.suppress(httpx.HTTPError, TimeoutError):
                    async with asyncio.timeout(DRAIN_S):
                        async for _ in source:
                            pass
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"upstream {self.name!r} timed out mid-stream ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"upstream {self.name!r} stream broke: {type(exc).__name__}"
            ) from None
        if not ended[0]:
            raise UpstreamError(f"upstream {self.name!r} closed the stream before it finished")

    async def _stream_lean(
        self, client: Http11Client, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        ended = [False]
        try:
            async with client.stream(self._lean_path, dumps(self._body(request)), self._headers) as response:  # fmt: skip
                if response.status >= 400:
                    text = (await response.read(MAX_ERROR_BYTES)).decode(errors="replace")
                    raise _status_error(self.name, response.status, text)
                async for item in self._events(iter_sse(lines(response.iter_bytes())), ended):
                    yield item
        except HttpTimeout as exc:
            raise UpstreamTimeout(f"upstream {self.name!r} timed out mid-stream ({exc})") from None
        except HttpFailure as exc:
            raise UpstreamError(f"upstream {self.name!r} stream broke: {exc}") from None
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
