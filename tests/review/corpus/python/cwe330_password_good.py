# expect:
import random
import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def temporary_password(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def shuffled_questions(questions: list[str]) -> list[str]:
    order = list(questions)
    random.shuffle(order)
    return order
