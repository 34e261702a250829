# expect: 601
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/continue")
def cont():
    target = request.args.get("next", "/")
    if not target.startswith("/"):
        target = "/"
    return redirect(target)
