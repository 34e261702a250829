# expect: 434 400 22
import os

from flask import Flask, request
from flask_login import login_required

app = Flask(__name__)


@app.route("/avatar", methods=["POST"])
@login_required
def avatar():
    f = request.files["file"]
    f.save(os.path.join("/srv/uploads", f.filename))
    return "ok"
