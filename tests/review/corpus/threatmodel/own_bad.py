# expect: 639
from fastapi import Depends, FastAPI

app = FastAPI()


def get_current_user():
    return None


@app.get("/invoices/{invoice_id}")
def get_invoice(invoice_id: int, user=Depends(get_current_user), db=None):
    return db.get(Invoice, invoice_id)


class Invoice:
    pass
