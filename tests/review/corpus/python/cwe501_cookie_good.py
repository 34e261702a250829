# expect:
from django.contrib.auth import authenticate
from django.http import HttpResponse


def adopt(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is not None:
        request.session["userid"] = user.pk
    return HttpResponse("ok")
