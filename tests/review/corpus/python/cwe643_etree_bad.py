# expect: 643
import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)
ROOT = ET.parse("users.xml").getroot()


@app.route("/user")
def user():
    name = request.args["name"]
    found = ROOT.findall(f".//user[@name='{name}']")
    return {"count": len(found)}
