# expect: 1333
import re

from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    pattern = request.args["q"]
    lines = open("/srv/log.txt").read().splitlines()
    return {"hits": [line for line in lines if re.search(pattern, line)]}
