# expect: 78
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/archive")
def archive():
    # PEP 701: the same quote inside the replacement field (Python 3.12+ syntax).
    os.system(f"tar czf /tmp/out.tgz {request.args["dir"]}")
    return "ok"
