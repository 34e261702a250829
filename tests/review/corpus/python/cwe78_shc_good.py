# expect:
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/lookup")
def lookup():
    domain = request.args["domain"]
    out = subprocess.run(["sh", "-c", "nslookup " + shlex.quote(domain)], capture_output=True, text=True)
    return out.stdout
