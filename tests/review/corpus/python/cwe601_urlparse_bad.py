# expect: 601
from urllib.parse import urlparse

from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/login/done")
def done():
    target = request.args.get("next") or "/"
    parts = urlparse(target)
    # Done wrong: "/\\evil.example" has neither scheme nor netloc, and browsers read it as
    # "//evil.example".
    if parts.scheme or parts.netloc:
        target = "/"
    return redirect(target)
