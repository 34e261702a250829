# expect:
import subprocess

from flask import Flask, request

app = Flask(__name__)
TOOLS = {"uptime", "df", "free"}


def known_tool(name):
    if name in TOOLS:
        return True
    return False


@app.route("/run", methods=["POST"])
def run():
    tool = request.form["tool"]
    if not known_tool(tool):
        return "no", 400
    subprocess.run(tool, shell=True)
    return "ok"
