# expect: 501
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/prefs", methods=["POST"])
def prefs():
    session["role"] = request.form.get("role", "viewer")
    return "", 204
