# expect: 643
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.parse("users.xml")


def find_user(name: str) -> list[str]:
    return USERS.xpath("//user[@name='%s']/email/text()" % name)


@app.route("/user")
def user():
    return {"emails": find_user(request.args["name"])}
