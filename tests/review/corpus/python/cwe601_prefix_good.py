# expect:
from flask import Flask, redirect, request

app = Flask(__name__)
ALLOWED = {"/", "/account", "/orders"}


@app.route("/continue")
def cont():
    target = request.args.get("next", "/")
    if target not in ALLOWED:
        target = "/"
    return redirect(target)
