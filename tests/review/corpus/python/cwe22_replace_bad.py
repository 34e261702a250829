# expect: 22
from flask import Flask, request

app = Flask(__name__)
UPLOADS = "/srv/uploads"


def clean(name: str) -> str:
    # Done wrong: "....//etc/passwd" becomes "../etc/passwd" after one pass.
    return name.replace("../", "")


@app.route("/download")
def download():
    name = clean(request.args.get("file", ""))
    with open(f"{UPLOADS}/{name}", "rb") as fh:
        return fh.read()
