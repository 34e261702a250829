# expect:
import os
import re

from flask import Flask, abort, request

app = Flask(__name__)


@app.route("/archive", methods=["POST"])
def archive():
    def pack(name: str) -> int:
        return os.system("tar czf /tmp/out.tgz " + name)

    name = request.form["name"]
    if not re.fullmatch(r"[a-z0-9_-]+", name):
        abort(400)
    return {"status": pack(name)}
