# expect:
from fastapi import Depends, FastAPI

app = FastAPI()


def get_current_user():
    return "alice"


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/admin/users")
def list_users(user: str = Depends(get_current_user)):
    return []
