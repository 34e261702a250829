# expect:
from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    return Response(f"you said {request.args.get('q', '')}", mimetype="text/plain")
