# expect:
import random
import secrets


def make_reset_token() -> str:
    return secrets.token_urlsafe(32)


def shuffle_playlist(songs: list[str]) -> list[str]:
    return random.sample(songs, len(songs))
