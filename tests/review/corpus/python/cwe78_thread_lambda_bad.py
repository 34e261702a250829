# expect: 78
import subprocess
import threading

from flask import Flask, request

app = Flask(__name__)


@app.route("/convert", methods=["POST"])
def convert():
    target = request.form["target"]
    threading.Thread(target=lambda: subprocess.call("convert in.png " + target, shell=True)).start()
    return "started"
