# expect:
from pathlib import Path

from fastapi import FastAPI, HTTPException

app = FastAPI()
ROOT = Path("/data")


@app.get("/notes/{name}")
async def read_note(name: str):
    path = (ROOT / name).resolve()
    if not path.is_relative_to(ROOT):
        raise HTTPException(status_code=404)
    return {"text": path.read_text()}
