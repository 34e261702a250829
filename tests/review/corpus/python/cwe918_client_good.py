# expect:
import httpx
from flask import Flask, request

app = Flask(__name__)
API = "https://api.example.com/items/"


@app.route("/fetch")
def fetch():
    item = int(request.args["id"])
    with httpx.Client() as client:
        return client.get(f"{API}{item}").text
