# expect:
import os

import psycopg

PASSWORD_ENV = "DB_PASSWORD"


def connect():
    return psycopg.connect(host="db", user="app", password=os.environ[PASSWORD_ENV])
