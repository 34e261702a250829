# expect: 306
from fastapi import FastAPI

app = FastAPI()


def get_current_user():
    return "alice"


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/admin/users")
def list_users():
    return []
