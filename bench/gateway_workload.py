"""The realistic workload of `bench_gateway.py` (issue 20): what a support agent sends.

Beside the plain workload (64 short prompts, no tools, no session, one Cedar context), this one
makes every part of the gateway work as it does in production:

- prompts of 1 to 8 KB made of support-chat sentences, many with findings (emails, phones, order
  numbers, IBANs, card numbers, links, now and then a secret, which the input stage redacts);
- the bundle's `tools` in every request, and a quarter of the requests ask the model to call one
  (`get_order`, `search_kb`, `refund`, `send_email`) with arguments taken from the user's words,
  so fingerprinting, argument provenance and Cedar run on varied contexts (no answer-cache hit
  from one request to the next);
- sessions named by `X-Vallum-Session` (a pool of them, labels accumulating);
- multi-turn conversations of 1, 10, 50 and 200 messages (user, assistant, tool calls and tool
  results), each turn sent after the previous one, as a client resends its history.

Every request is a `Req`: its JSON body and the headers of its own (the session). A `Script` is
a list of requests that must be sent in order (the turns of one conversation); at concurrency 64
the scripts are run side by side, each by one worker, so conversations interleave.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

MODEL = "gpt-4o-mini"
LENGTHS = (1, 10, 50, 200)  # conversation lengths (messages) measured one by one

# Support-chat sentences. Some carry what the detectors look for; none is an injection attempt
# (a block answers 400 through Vallum and 200 through a proxy without guards: not comparable).
BENIGN = [
    "Hi, I am writing about a parcel that has not arrived yet.",
    "I moved last month, please change the delivery address on my account.",
    "The invoice lists the wrong weekend delivery fee, could you correct it?",
    "Thanks for the quick help with the return, the label printed fine.",
    "The jacket I ordered is a size too small and I would like to exchange it.",
    "My tracking page has not updated for three days, is the parcel lost?",
    "Could you tell me when the warehouse reopens after the holidays?",
    "I tried the reset link twice and the page just reloads without an error.",
    "The courier left a note saying nobody was home, but I was there all day.",
    "Can the refund go back to the original card instead of store credit?",
]
FINDINGS = [
    "You can reach me at {name}@example.com or on +1 415 555 {n4} after five.",
    "My order ORD-{n8} was charged twice for the same parcel.",
    "The refund should go to IBAN DE89370400440532013000, thanks.",
    "My card 4111 1111 1111 1111 was charged on the {day}th.",
    "See the tracking page at https://acme.example/track?id={n8} for details.",
    "The help article https://help.acme.example/returns/{n4} says thirty days.",
    "My colleague {name}.{name2}@acme.example placed the order for our office.",
    "Our build log printed token ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3k{n4} by mistake.",
]
NAMES = ["ann", "bob", "carla", "dev", "emma", "farid", "gita", "hugo", "ines", "jon"]
SYSTEM = "You are Acme's support assistant. Be brief and kind; use the tools to look orders up."
ANSWERS = [
    "I have checked the order and it left our warehouse yesterday; it should arrive soon.",
    "I am sorry about the double charge. I can see both payments and will sort it out.",
    "Your address is updated for future orders; the current one ships to the old address.",
    "The refund is on its way and should reach your account in three to five days.",
    "I have sent a new reset link; please check your spam folder if it does not arrive.",
]


@dataclass
class Req:
    body: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict)
    payload: bytes = b""

    def __post_init__(self) -> None:
        self.payload = json.dumps(self.body).encode()


Script = list[Req]


def tools() -> list[dict[str, object]]:
    """The example bundle's tools, as an OpenAI request declares them."""

    def tool(name: str, props: dict[str, str]) -> dict[str, object]:
        schema = {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}
        return {"type": "function", "function": {"name": name, "parameters": schema}}

    return [
        tool("search_kb", {"query": "string"}),
        tool("get_order", {"order_id": "string"}),
        tool("refund", {"order_id": "string", "amount": "number"}),
        tool("send_email", {"to": "string", "subject": "string", "body": "string"}),
    ]


TOOLS = tools()


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return rng.choice(FINDINGS).format(
            name=rng.choice(NAMES),
            name2=rng.choice(NAMES),
            n4=f"{rng.randrange(10000):04d}",
            n8=f"{rng.randrange(10**8):08d}",
            day=rng.randrange(1, 28),
        )
    return rng.choice(BENIGN)


def text_of(chars: int, rng: random.Random) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        out.append(sentence(rng))
        size += len(out[-1]) + 1
    return " ".join(out)


def tool_line(rng: random.Random, order: str, name: str) -> str:
    """A line the mock obeys: it asks for this tool call (arguments from the user's words)."""
    choice = rng.randrange(4)
    if choice == 0:
        return f'CALL get_order {{"order_id": "{order}"}}'
    if choice == 1:
        return 'CALL search_kb {"query": "return policy for damaged items"}'
    if choice == 2:
        return f'CALL refund {{"order_id": "{order}", "amount": {rng.randrange(5, 90)}.5}}'
    return (
        f'CALL send_email {{"to": "{name}@acme.example", "subject": "Order {order}", '
        f'"body": "Please check order {order} for the customer."}}'
    )


def user_message(rng: random.Random, chars: int, call: bool) -> str:
    order = f"ORD-{rng.randrange(10**8):08d}"
    name = rng.choice(NAMES)
    text = f"{text_of(chars, rng)} My order is {order}, my colleague is {name}@acme.example."
    return f"{text}\n{tool_line(rng, order, name)}" if call else text


def session_headers(session: str | None) -> dict[str, str]:
    return {"x-vallum-session": session} if session else {}


def single_turns(n: int, seed: int = 20, sessions: int = 16) -> list[Req]:
    """`n` one-message requests: 1-8 KB prompts, tools declared, a quarter calling a tool, each
    in one of `sessions` sessions (labels accumulate there as in a long-lived agent)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        content = user_message(rng, rng.randrange(1024, 8192), call=rng.random() < 0.25)
        body: dict[str, object] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": content}],
            "tools": TOOLS,
        }
        out.append(Req(body, session_headers(f"bench-s{seed}-{i % sessions}")))
    return out


def conversation(rng: random.Random, length: int) -> list[dict[str, object]]:
    """`length` messages of a support conversation: a system prompt when `length` is even, user
    turns of 150-1,500 characters and answers alternating, now and then a tool call and its
    result before the answer; the last message is the user's."""
    messages: list[dict[str, object]] = []
    if length % 2 == 0:  # a system prompt first, so that user and assistant turns alternate
        messages.append({"role": "system", "content": SYSTEM})
    while len(messages) < length - 1:
        room = length - 1 - len(messages)
        last = messages[-1]["role"] if messages else None
        if last in (None, "system", "assistant"):
            messages.append({"role": "user", "content": user_message(rng, rng.randrange(150, 1500), False)})  # fmt: skip
        elif last == "user" and room >= 3 and rng.random() < 0.2:  # a tool call and its result
            call_id = f"call_{rng.randrange(10**12):012d}"
            order = f"ORD-{rng.randrange(10**8):08d}"
            messages.append({"role": "assistant", "content": None, "tool_calls": [{"id": call_id, "type": "function", "function": {"name": "get_order", "arguments": json.dumps({"order_id": order})}}]})  # fmt: skip
            messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps({"order_id": order, "status": "shipped", "eta": "2 days"})})  # fmt: skip
        else:
            messages.append({"role": "assistant", "content": rng.choice(ANSWERS)})
    messages.append({"role": "user", "content": user_message(rng, rng.randrange(150, 1500), False)})
    return messages


def conversation_turns(length: int, seed: int, session: str | None) -> tuple[Req | None, Req]:
    """The turn before (the history minus the last exchange; None for a first message) and the
    turn of `length` messages, which is the one measured."""
    rng = random.Random(seed)
    messages = conversation(rng, length)
    headers = session_headers(session)
    last = Req({"model": MODEL, "messages": messages, "tools": TOOLS}, headers)
    if length < 3:
        return None, last
    # the turn before ends with the user's message before the last one
    cut = max(i + 1 for i, m in enumerate(messages[:-1]) if m["role"] == "user")
    return Req({"model": MODEL, "messages": messages[:cut], "tools": TOOLS}, headers), last


def conversation_script(length: int, seed: int, session: str | None, step: int = 2) -> Script:
    """Every turn of one conversation up to `length` messages, `step` messages apart, in order."""
    rng = random.Random(seed)
    messages = conversation(rng, length)
    headers = session_headers(session)
    cuts = [i + 1 for i, m in enumerate(messages) if m["role"] == "user"][:: max(1, step // 2)]
    return [Req({"model": MODEL, "messages": messages[:cut], "tools": TOOLS}, headers) for cut in cuts]  # fmt: skip


def mixed_scripts(n_single: int, seed: int = 64) -> list[Script]:
    """The concurrency-64 workload: single-turn requests and whole conversations (every turn
    up to 10, 50 and 200 messages), shuffled, so long and short requests interleave."""
    rng = random.Random(seed)
    scripts: list[Script] = [[req] for req in single_turns(n_single, seed)]
    for length, count in ((10, 8), (50, 4), (200, 1)):
        for k in range(count):
            session = f"bench-mix{seed}-{length}-{k}" if k % 2 == 0 else None
            scripts.append(conversation_script(length, seed * 1000 + length * 10 + k, session, step=4))  # fmt: skip
    rng.shuffle(scripts)
    return scripts
