# expect: 330
import random
import string


def make_reset_token() -> str:
    return "".join(random.choice(string.ascii_letters) for _ in range(32))
