# expect: 22
import os

from flask import Flask, abort, request

app = Flask(__name__)
BASE = "/srv/reports"


@app.route("/report")
def report():
    path = os.path.join(BASE, request.args["name"])
    if not path.startswith(BASE):
        abort(403)
    with open(path) as fh:
        return fh.read()
