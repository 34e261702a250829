# expect: 22
import os


def read_user_file(username: str, filename: str) -> str:
    """Read a file from the user's directory."""
    with open(os.path.join("/home", username, filename)) as handle:
        return handle.read()
