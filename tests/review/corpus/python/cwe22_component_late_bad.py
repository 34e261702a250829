# expect: 22
import os
import re
import shutil

from flask import Flask, request

app = Flask(__name__)
LIBRARY = "/srv/library"


def valid_filename(value: str, chars: int = 96) -> str:
    # The trailing-dot guard runs first; truncating and stripping afterwards can still leave
    # "..": ".." + " " * 94 + "x" becomes ".." once cut to 96 characters and stripped.
    if value[-1:] == ".":
        value = value[:-1] + "_"
    value = re.sub(r'[*+:\\"/<>?]+', "_", value)
    return value[:chars].strip()


@app.route("/rename", methods=["POST"])
def rename():
    author = valid_filename(request.form["author"])
    shutil.move(os.path.join(LIBRARY, "incoming"), os.path.join(LIBRARY, author, "book"))
    return "moved"
