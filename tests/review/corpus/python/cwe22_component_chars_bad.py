# expect: 22
import os

from flask import Flask, request

app = Flask(__name__)
NOTES = "/srv/notes"


def folder_name(name: str) -> str:
    # Keeps dots, so ".." passes character by character.
    kept = "".join(ch for ch in name if ch.isalnum() or ch in "-_.")
    return kept or "anon"


@app.route("/note")
def note():
    folder = folder_name(request.args.get("user", "anon"))
    with open(os.path.join(NOTES, folder, "notes.txt"), encoding="utf-8") as fh:
        return fh.read(), 200, {"Content-Type": "text/plain"}
