# expect:
from pathlib import Path

from flask import Flask, abort, request

app = Flask(__name__)
DOCS = Path("/srv/docs").resolve()


@app.route("/doc")
def doc():
    params = {"page": request.args["page"]}
    target = (DOCS / params["page"]).resolve()
    if not target.is_relative_to(DOCS):
        abort(404)
    return target.read_text()
