# expect:
from app.storage import export
from flask import Flask, request

app = Flask(__name__)


@app.route("/export")
def export_view():
    return export(request.args["table"])
