# expect: 327
import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route("/store", methods=["POST"])
def store():
    digest = hashlib.new("md5")
    digest.update(request.form.get("document", "").encode())
    with open("/srv/index.txt", "a") as fh:
        fh.write(f"hash_value={digest.hexdigest()}\n")
    return "", 204
