# expect:
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
ALLOWED = {"/", "/account", "/orders"}


def safe_location(candidate, endpoint):
    """Returns the candidate only after the allow-list check, else a URL of this site."""
    target = candidate or url_for(endpoint)
    if target not in ALLOWED:
        target = url_for(endpoint)
    return target


@app.route("/done")
def done():
    location = safe_location(request.form.get("next"), "index")
    return redirect(location)
