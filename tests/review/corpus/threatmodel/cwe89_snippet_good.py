# expect:
def get_user(cursor, username):
    """Return the user row for a login form."""
    cursor.execute("SELECT * FROM users WHERE username = %s", (username,))
    return cursor.fetchone()
