# expect:
from flask import Flask, request, session

app = Flask(__name__)
THEMES = {"light", "dark"}


@app.route("/prefs", methods=["POST"])
def prefs():
    theme = request.form.get("theme", "light")
    if theme not in THEMES:
        theme = "light"
    session["theme"] = theme
    return "", 204
