# expect: 78
import subprocess

from django.http import HttpResponse


def ping(request):
    opts = {"count": "1", "host": request.POST.get("host", "")}
    out = subprocess.check_output(f"ping -c {opts['count']} {opts['host']}", shell=True)
    return HttpResponse(out, content_type="text/plain")
