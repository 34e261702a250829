# expect: 22
import codecs
import os

from django.http import HttpResponse

REPORTS = "/srv/reports"


def report(request):
    name = "%s.txt" % request.GET["name"]
    with codecs.open(os.path.join(REPORTS, name), "r", "utf-8") as fh:
        return HttpResponse(fh.read(), content_type="text/plain")
