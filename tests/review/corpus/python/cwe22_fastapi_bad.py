# expect: 22
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
ROOT = Path("/data")


@app.get("/notes/{name}")
async def read_note(name: str):
    return {"text": (ROOT / name).read_text()}
