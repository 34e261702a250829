# expect:
from django.http import HttpResponse
from django.template import loader
from django.utils.html import format_html


def banner(request):
    text = request.GET.get("msg", "")
    page = loader.get_template("banner.html")
    return HttpResponse(page.render({"msg": format_html("<b>{}</b>", text)}, request))
