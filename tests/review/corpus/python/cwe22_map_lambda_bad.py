# expect: 22
import os

from flask import Flask, request

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/sizes")
def sizes():
    names = request.args.getlist("f")
    paths = map(lambda n: os.path.join(BASE, n), names)
    return {"sizes": [os.path.getsize(p) for p in paths if open(p, "rb")]}
