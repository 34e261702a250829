# expect: 79
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    value = request.cookies.get("last_search", "")
    body = "<p>Last search: %s</p>" % value
    resp = make_response(body)
    resp.headers["Content-Type"] = "text/html"
    return resp
