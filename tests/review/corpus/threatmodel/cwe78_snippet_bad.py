# expect: 78
import subprocess


def list_directory(dir_path: str) -> str:
    """Return `ls -l` output for a user-supplied directory."""
    return subprocess.check_output(f"ls -l {dir_path}", shell=True, text=True)
