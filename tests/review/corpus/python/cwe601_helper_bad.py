# expect: 601
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
ALLOWED = {"/", "/account", "/orders"}


def safe_location(candidate, endpoint):
    """Checks the wrong value: the endpoint's URL, not the candidate that is returned."""
    target = candidate or url_for(endpoint)
    if url_for(endpoint) not in ALLOWED:
        return url_for("index")
    return target


@app.route("/done")
def done():
    location = safe_location(request.form.get("next"), "index")
    return redirect(location)
