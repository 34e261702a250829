# expect: 918
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/preview")
def preview(url: str):
    return {"body": requests.get(url, timeout=5).text[:200]}
