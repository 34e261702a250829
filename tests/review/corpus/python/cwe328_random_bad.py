# expect: 327
import hashlib
import os
import time


def generate_csrf_token(user_id: int) -> str:
    # Random bytes mixed with a guessable part still go through SHA-1; and the token is
    # only as strong as the hash of what it is built from.
    return hashlib.sha1(str(user_id).encode() + str(time.time()).encode()).hexdigest()


def reset_token(email: str) -> str:
    nonce = os.urandom(8)
    nonce = email.encode()  # rebound: the hashed value is the e-mail address
    return hashlib.md5(nonce).hexdigest()
