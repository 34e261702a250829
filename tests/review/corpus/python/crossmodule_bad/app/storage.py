# expect: 78
import subprocess


def export(table):
    return run_dump(table)


def run_dump(name):
    return subprocess.run("pg_dump -t " + name, shell=True, capture_output=True).stdout
