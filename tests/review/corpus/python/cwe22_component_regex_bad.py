# expect: 22
import os
import re

from flask import Flask, request

app = Flask(__name__)
NOTES = "/srv/notes"


def folder_name(name: str) -> str:
    # Windows' reserved characters go; '/' and ".." stay.
    return re.sub(r'[<>:"|?*]+', "_", name)


@app.route("/note")
def note():
    folder = folder_name(request.args.get("user", "anon"))
    with open(os.path.join(NOTES, folder, "notes.txt"), encoding="utf-8") as fh:
        return fh.read(), 200, {"Content-Type": "text/plain"}
