# expect: 79
from django.http import HttpResponse
from django.template import loader
from django.utils.safestring import mark_safe


def banner(request):
    text = request.GET.get("msg", "")
    page = loader.get_template("banner.html")
    return HttpResponse(page.render({"msg": mark_safe("<b>" + text + "</b>")}, request))
