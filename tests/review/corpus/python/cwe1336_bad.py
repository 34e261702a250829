# expect: 1336
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/greet")
def greet():
    template = "<p>Hello " + request.args.get("name", "") + "</p>"
    return render_template_string(template)
