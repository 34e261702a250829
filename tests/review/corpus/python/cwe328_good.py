# expect:
import hashlib
import os


def store_password(db, user: str, password: str) -> None:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    db.save(user, salt + digest)
