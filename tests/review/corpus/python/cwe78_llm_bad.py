# expect: 78
import subprocess

from openai import OpenAI

client = OpenAI()


def run_suggested_fix(problem: str) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": problem}]
    )
    command = reply.choices[0].message.content
    subprocess.run(command, shell=True, check=False)
