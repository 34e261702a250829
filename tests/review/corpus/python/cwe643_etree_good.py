# expect:
import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)
ROOT = ET.parse("users.xml").getroot()


@app.route("/user")
def user():
    name = request.args["name"]
    found = [u for u in ROOT.findall(".//user") if u.get("name") == name]
    return {"count": len(found)}
