# expect:
import ldap
from flask import Flask, request
from ldap.filter import escape_filter_chars

app = Flask(__name__)


@app.route("/lookup")
def lookup():
    uid = escape_filter_chars(request.args["uid"])
    conn = ldap.initialize("ldap://directory")
    return str(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={uid})"))
