# expect:
from django.http import JsonResponse
from lxml import etree

TREE = etree.parse("catalog.xml")
FIND = etree.XPath("//book[@isbn=$isbn]/title/text()")


def book(request):
    isbn = request.GET["isbn"]
    return JsonResponse({"titles": FIND(TREE, isbn=isbn)})
