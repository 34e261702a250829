# expect: 90
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/lookup")
def lookup():
    uid = request.args["uid"]
    conn = ldap.initialize("ldap://directory")
    return str(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={uid})"))
