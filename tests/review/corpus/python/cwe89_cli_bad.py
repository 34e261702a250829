# expect: 89
import sqlite3
import sys


def main() -> None:
    db = sqlite3.connect("app.db")
    table = sys.argv[1]
    for row in db.execute(f"SELECT * FROM {table}"):
        print(row)


if __name__ == "__main__":
    main()
