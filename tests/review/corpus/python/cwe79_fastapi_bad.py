# expect: 79
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/greet", response_class=HTMLResponse)
def greet(name: str):
    return f"<h1>Hello {name}</h1>"
