# expect:
from flask import Flask
from flask_login import login_required

app = Flask(__name__)


@app.route("/settings")
@login_required
def settings():
    return "settings"


@app.route("/billing")
@login_required
def billing():
    return "billing"
