# expect: 501
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/switch", methods=["POST"])
def switch():
    role = request.form.get("role", "viewer")
    session.update({"role": role})
    return "", 204
