# expect:
import os

from flask import Flask, request

app = Flask(__name__)
BASE = "/srv/files"


def inside_base(path):
    real = os.path.realpath(path)
    return real.startswith(BASE + os.sep)


@app.route("/delete", methods=["POST"])
def delete():
    full = os.path.realpath(os.path.join(BASE, request.form["name"]))
    if inside_base(full) and os.path.exists(full):
        os.remove(full)
    return "ok"
