# expect: 778
from flask import Flask, abort, request, session

from .accounts import authenticate

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    user = authenticate(request.form["user"], request.form["password"])
    if user is None:
        abort(401)
    session["user"] = user.id
    return "ok"
