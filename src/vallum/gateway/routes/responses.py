"""`POST /v1/responses`: the OpenAI Responses API, through the same pipeline as chat completions.

The request is parsed into the neutral `ChatRequest` (`vallum.gateway.wire.responses`), so every
control runs on it as on `/v1/chat/completions`: input checks, tool-call authorization, output
scanning whole or through the stream's hold-back window, evidence. Errors are OpenAI's.
"""

from __future__ import annotations

from vallum.gateway.routes.chat import ChatFormat, chat_endpoint
from vallum.gateway.wire import responses

RESPONSES = ChatFormat(
    "openai", responses.parse_request, responses.render_response, responses.StreamRenderer
)

create_response = chat_endpoint(RESPONSES, "openai.responses")
