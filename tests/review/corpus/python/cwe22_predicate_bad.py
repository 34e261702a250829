# expect: 22
import os

from flask import Flask, request

app = Flask(__name__)
BASE = "/srv/files"


def inside_base(path):
    """A prefix check without normalising: BASE/../../etc/passwd passes."""
    return path.startswith(BASE)


@app.route("/delete", methods=["POST"])
def delete():
    full = os.path.join(BASE, request.form["name"])
    if inside_base(full):
        os.remove(full)
    return "ok"
