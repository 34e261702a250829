# expect:
from pathlib import Path

from flask import Flask, abort, request

app = Flask(__name__)
BASE = Path("/srv/reports").resolve()


@app.route("/report")
def report():
    path = (BASE / request.args["name"]).resolve()
    if not path.is_relative_to(BASE):
        abort(403)
    return path.read_text()
