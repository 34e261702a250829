# expect:
from urllib.parse import urljoin, urlparse

from flask import Flask, redirect, request, url_for

app = Flask(__name__)
ALLOWED_PATHS = ["/", "/account", "/orders/*"]


def is_local_redirect(url, allowed_paths):
    """A project helper: true only for a path on this site that is on the allow-list."""
    parsed = urlparse(url)
    path = urljoin("/", parsed.path)
    return (
        parsed.scheme == ""
        and parsed.netloc == ""
        and any(
            (path.startswith(x[:-1]) if x.endswith("*") else path == x) for x in allowed_paths
        )
    )


@app.route("/login")
def login():
    target = request.args.get("redirect", url_for("index"))
    if not is_local_redirect(target, ALLOWED_PATHS):
        target = url_for("index")
    return redirect(target)
