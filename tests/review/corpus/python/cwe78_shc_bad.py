# expect: 78
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/lookup")
def lookup():
    domain = request.args["domain"]
    out = subprocess.run(["sh", "-c", "nslookup " + domain], capture_output=True, text=True)
    return out.stdout
