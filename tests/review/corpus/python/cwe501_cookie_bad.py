# expect: 501
from django.http import HttpResponse


def adopt(request):
    user = request.COOKIES.get("user", "")
    request.session["userid"] = user
    return HttpResponse("ok")
