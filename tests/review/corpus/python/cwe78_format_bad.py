# expect: 78
import os

from flask import Flask, request

app = Flask(__name__)


def lookup(host: str) -> str:
    # Done wrong: stripping ';' leaves '|', '&&', '$(...)' and backticks.
    host = host.replace(";", "")
    return os.popen("nslookup {}".format(host)).read()


@app.route("/dns")
def dns():
    return lookup(request.args["host"])
