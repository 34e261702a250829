# expect:
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from .models import Account


def switch_account(request):
    account = get_object_or_404(Account, pk=request.GET.get("account_id"), owner=request.user)
    request.session["account_id"] = account.pk
    return JsonResponse({"ok": True})
