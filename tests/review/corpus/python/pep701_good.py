# expect:
import os
import shlex

from flask import Flask, request

app = Flask(__name__)


@app.route("/archive")
def archive():
    os.system(f"tar czf /tmp/out.tgz {shlex.quote(request.args["dir"])}")
    return "ok"
