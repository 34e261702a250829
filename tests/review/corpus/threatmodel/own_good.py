# expect:
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()


def get_current_user():
    return None


@app.get("/invoices/{invoice_id}")
def get_invoice(invoice_id: int, user=Depends(get_current_user), db=None):
    invoice = db.get(Invoice, invoice_id)
    if invoice is None or invoice.owner_id != user.id:
        raise HTTPException(status_code=404)
    return invoice


class Invoice:
    pass
