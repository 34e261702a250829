# expect: 78
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/archive", methods=["POST"])
def archive():
    def pack(name: str) -> int:
        return os.system("tar czf /tmp/out.tgz " + name)

    return {"status": pack(request.form["name"])}
