# expect: 22
from pathlib import Path

from flask import Flask, request

app = Flask(__name__)
DOCS = Path("/srv/docs")


@app.route("/doc")
def doc():
    params = {"page": request.args["page"]}
    target = DOCS / params["page"]
    return target.read_text()
