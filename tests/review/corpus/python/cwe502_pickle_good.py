# expect:
import base64
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/restore", methods=["POST"])
def restore():
    blob = base64.b64decode(request.cookies.get("state", ""))
    state = json.loads(blob)
    return {"items": len(state)}
