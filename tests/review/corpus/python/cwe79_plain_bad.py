# expect: 79
from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    return Response(f"<p>you said {request.args.get('q', '')}</p>", mimetype="text/html")
