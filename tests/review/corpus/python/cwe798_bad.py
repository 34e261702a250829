# expect: 798
import psycopg

DB_PASSWORD = "Sup3rS3cret!"


def connect():
    return psycopg.connect(host="db", user="app", password=DB_PASSWORD)
