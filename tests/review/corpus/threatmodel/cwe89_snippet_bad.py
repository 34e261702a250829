# expect: 89
def get_user(cursor, username):
    """Return the user row for a login form."""
    query = "SELECT * FROM users WHERE username = '%s'" % username
    cursor.execute(query)
    return cursor.fetchone()
