# expect: 643
from django.http import JsonResponse
from lxml import etree

TREE = etree.parse("catalog.xml")


def book(request):
    isbn = request.GET["isbn"]
    titles = TREE.getroot().xpath("//book[@isbn='%s']/title/text()" % isbn)
    return JsonResponse({"titles": titles})
