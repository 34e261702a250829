# expect: 330
import random
import string


class Keys:
    def __init__(self) -> None:
        self.store: dict[str, str] = {}

    def new_api_key(self, user: str) -> str:
        alphabet = string.ascii_letters + string.digits
        key = "".join(random.choices(alphabet, k=40))
        self.store[user] = key
        return key
