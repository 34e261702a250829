# expect:
import os


def read_user_file(username: str, filename: str) -> str:
    """Read a file from the user's directory."""
    base = os.path.realpath(os.path.join("/home", os.path.basename(username)))
    path = os.path.realpath(os.path.join(base, filename))
    if not path.startswith(base + os.sep):
        raise PermissionError(filename)
    with open(path) as handle:
        return handle.read()
