# expect: 327
from Crypto.Cipher import AES


def encrypt(key: bytes, data: bytes) -> bytes:
    return AES.new(key, AES.MODE_ECB).encrypt(data)
