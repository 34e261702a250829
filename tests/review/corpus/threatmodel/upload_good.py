# expect:
import os
import uuid

from flask import Flask, abort, request
from flask_login import login_required

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
ALLOWED = {".png", ".jpg"}


@app.route("/avatar", methods=["POST"])
@login_required
def avatar():
    f = request.files["file"]
    ext = os.path.splitext(f.filename)[1].lower()
    if ext not in ALLOWED:
        abort(400)
    f.save(os.path.join("/srv/uploads", uuid.uuid4().hex + ext))
    return "ok"
