# expect: 327
import hashlib


def store_password(db, user: str, password: str) -> None:
    digest = hashlib.md5(password.encode()).hexdigest()
    db.save(user, digest)
