# expect:
import subprocess
import threading

from flask import Flask, request

app = Flask(__name__)
FORMATS = {"png", "jpg"}


@app.route("/convert", methods=["POST"])
def convert():
    target = request.form["target"]
    if target not in FORMATS:
        return "bad format", 400
    threading.Thread(target=lambda: subprocess.call("convert in.png out." + target, shell=True)).start()
    return "started"
