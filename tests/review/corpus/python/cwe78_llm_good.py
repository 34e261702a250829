# expect:
import subprocess

from openai import OpenAI

client = OpenAI()
ALLOWED = {"restart": ["systemctl", "restart", "app"], "status": ["systemctl", "status", "app"]}


def run_suggested_fix(problem: str) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": problem}]
    )
    choice = reply.choices[0].message.content.strip()
    if choice not in ALLOWED:
        return
    subprocess.run(ALLOWED[choice], check=False)
