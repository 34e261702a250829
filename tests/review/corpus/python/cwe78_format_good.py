# expect:
import subprocess

from flask import Flask, request

app = Flask(__name__)


def lookup(host: str) -> str:
    return subprocess.run(["nslookup", "--", host], capture_output=True, text=True).stdout


@app.route("/dns")
def dns():
    return lookup(request.args["host"])
