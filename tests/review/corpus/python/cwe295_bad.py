# expect: 295
import requests


def fetch_status() -> int:
    return requests.get("https://internal.example.com/health", verify=False, timeout=5).status_code
