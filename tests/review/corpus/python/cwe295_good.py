# expect:
import requests


def fetch_status() -> int:
    return requests.get("https://internal.example.com/health", timeout=5).status_code
