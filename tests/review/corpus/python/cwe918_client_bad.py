# expect: 918
import httpx
from flask import Flask, request

app = Flask(__name__)


@app.route("/fetch")
def fetch():
    with httpx.Client() as client:
        return client.get(request.args["u"]).text
