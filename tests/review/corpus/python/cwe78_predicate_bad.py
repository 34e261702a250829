# expect: 78
import subprocess

from flask import Flask, request

app = Flask(__name__)


def is_admin(user):
    """A predicate about someone else: it proves nothing about the command."""
    return user == "admin"


@app.route("/run", methods=["POST"])
def run():
    cmd = request.form["cmd"]
    if is_admin(request.form["user"]):
        subprocess.run(cmd, shell=True)
    return "ok"
