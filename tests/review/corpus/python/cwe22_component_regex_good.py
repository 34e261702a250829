# expect:
import os
import re

from flask import Flask, request

app = Flask(__name__)
NOTES = "/srv/notes"


def folder_name(name: str) -> str:
    # An allowlist of characters: neither separators nor dots survive.
    return re.sub(r"[^A-Za-z0-9_-]+", "", name)


@app.route("/note")
def note():
    folder = folder_name(request.args.get("user", "anon"))
    with open(os.path.join(NOTES, folder, "notes.txt"), encoding="utf-8") as fh:
        return fh.read(), 200, {"Content-Type": "text/plain"}
