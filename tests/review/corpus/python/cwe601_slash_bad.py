# expect: 601
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/login/done")
def done():
    target = request.args.get("next") or "/"
    # Done wrong: "//evil.example" starts with "/" and is another host.
    if not target.startswith("/"):
        target = "/"
    return redirect(target)
