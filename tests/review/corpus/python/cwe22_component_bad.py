# expect: 22
import os

from flask import Flask, request

app = Flask(__name__)
NOTES = "/srv/notes"


def folder_name(name: str) -> str:
    # Separators go, but ".." is a whole component: /srv/notes/../notes.txt.
    return name.replace("/", "_").strip()


@app.route("/note")
def note():
    folder = folder_name(request.args.get("user", "anon"))
    with open(os.path.join(NOTES, folder, "notes.txt"), encoding="utf-8") as fh:
        return fh.read(), 200, {"Content-Type": "text/plain"}
