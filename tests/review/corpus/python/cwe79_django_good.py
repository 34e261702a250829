# expect:
from django.http import HttpResponse
from django.utils.html import escape


def profile(request):
    bio = request.GET.get("bio", "")
    return HttpResponse(f"<div class='bio'>{escape(bio)}</div>")
