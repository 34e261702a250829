# expect: 330
import random
import string

ALPHABET = string.ascii_letters + string.digits


def temporary_password(length: int = 12) -> str:
    return "".join(random.choices(ALPHABET, k=length))
