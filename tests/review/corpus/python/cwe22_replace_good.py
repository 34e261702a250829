# expect:
from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"


def clean(name: str) -> str:
    return secure_filename(name)


@app.route("/download")
def download():
    name = clean(request.args.get("file", ""))
    with open(f"{UPLOADS}/{name}", "rb") as fh:
        return fh.read()
