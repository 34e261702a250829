"""The wire formats: OpenAI and Anthropic bodies, SSE, JSON in and out, the OpenAPI document.

Each format parses into the neutral shapes of `chat` and renders back from them, so enforcement
never depends on which route a request came through.
"""
