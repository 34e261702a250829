# expect:
from flask import Flask, redirect, request

app = Flask(__name__)
DESTINATIONS = {"home": "/", "orders": "/orders", "settings": "/settings"}


@app.route("/login/done")
def done():
    return redirect(DESTINATIONS.get(request.args.get("next", ""), "/"))
