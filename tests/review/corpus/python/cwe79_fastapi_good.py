# expect:
import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/greet", response_class=HTMLResponse)
def greet(name: str):
    return f"<h1>Hello {html.escape(name)}</h1>"
