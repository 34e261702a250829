# expect:
import random
import secrets


def new_api_key() -> str:
    return secrets.token_urlsafe(30)


def sample_for_metrics(items: list[str]) -> list[str]:
    return random.sample(items, k=min(10, len(items)))


def shuffle_quiz(questions: list[str]) -> list[str]:
    order = list(questions)
    random.shuffle(order)
    return order
