# expect:
import logging

from flask import Flask, jsonify

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.route("/report")
def report():
    try:
        return jsonify(build_report())
    except Exception:
        log.exception("report failed")
        return jsonify({"error": "internal error"}), 500


def build_report():
    return {}
