# expect:
import logging

from flask import Flask, request, session

app = Flask(__name__)
log = logging.getLogger("audit")


@app.route("/login", methods=["POST"])
def login():
    session["user"] = request.form["user"]
    log.info("login user=%s", session["user"])
    return "ok"
