from django.http import HttpResponse
from django.shortcuts import render

import speedups

from .models import Question, Visit

CHECKSUM_INPUT = b"pollsite"


def index(request):
    context = {
        "questions": Question.objects.all(),
        "checksum_input": CHECKSUM_INPUT.decode(),
        "checksum": speedups.checksum(CHECKSUM_INPUT),
    }
    return render(request, "polls/index.html", context)


def visits(request):
    """Write a row, then read the count back: proves the database takes writes."""
    Visit.objects.create()
    return HttpResponse(f"visits: {Visit.objects.count()}", content_type="text/plain")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
