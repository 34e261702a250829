# expect: 601
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
DEBUG = False


def looks_ok(url):
    """A project helper that sounds like a validator but checks nothing that matters."""
    if DEBUG:
        return True
    return len(url) < 2048 and url.startswith("/")


@app.route("/login")
def login():
    target = request.args.get("redirect", url_for("index"))
    if not looks_ok(target):
        target = url_for("index")
    return redirect(target)
