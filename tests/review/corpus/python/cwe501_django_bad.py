# expect: 501
from django.http import JsonResponse


def switch_account(request):
    account = request.GET.get("account_id")
    request.session["account_id"] = account
    return JsonResponse({"ok": True})
