# expect:
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    value = request.cookies.get("last_search", "")
    return jsonify({"last_search": value})
