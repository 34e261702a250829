# expect:
"""A database helper library: nothing in this tree passes untrusted data to it.

Connect with ``create_engine("postgresql://scott:tiger@localhost/test")``.
"""


class Connection:
    def __init__(self, cursor):
        self.cursor = cursor

    def _execute_raw(self, operation, parameters=None):
        self.cursor.execute(operation, parameters)
        return self.cursor.fetchall()


def run_statement(cursor, statement):
    cursor.execute(statement)
