# expect: 601
from django.http import HttpResponseRedirect


def after_login(request):
    back = request.GET.get("back", "")
    return HttpResponseRedirect(f"{back}")
