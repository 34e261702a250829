# expect:
import os

from flask import Flask, request

app = Flask(__name__)
NOTES = "/srv/notes"


def folder_name(name: str) -> str:
    name = name.replace("/", "_").replace("\\", "_").strip()
    if name in {"", ".", ".."}:
        raise ValueError("not a folder name")
    return name


@app.route("/note")
def note():
    folder = folder_name(request.args.get("user", "anon"))
    with open(os.path.join(NOTES, folder, "notes.txt"), encoding="utf-8") as fh:
        return fh.read(), 200, {"Content-Type": "text/plain"}
