# expect: 79
from flask import Flask, make_response, request

app = Flask(__name__)


def greeting(name: str) -> str:
    return "<h1>Hello %s</h1>" % name


@app.route("/hello")
def hello():
    resp = make_response(greeting(request.args.get("name", "")))
    resp.headers["Content-Type"] = "text/html"
    return resp
