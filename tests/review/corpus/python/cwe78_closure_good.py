# expect:
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = shlex.quote(request.args.get("host", "localhost"))

    def run() -> str:
        return subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True).stdout

    return run(), 200, {"Content-Type": "text/plain"}
