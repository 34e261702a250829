# expect: 209
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/report")
def report():
    try:
        return jsonify(build_report())
    except Exception as exc:
        return jsonify({"error": str(exc)}), 500


def build_report():
    return {}
