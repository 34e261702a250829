# expect:
import hashlib


def file_checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
