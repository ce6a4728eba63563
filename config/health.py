from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@login_not_required
@never_cache
def healthz(request):
    """Liveness for the container healthcheck, and the empty view the benchmarks measure against."""
    return HttpResponse("ok", content_type="text/plain")
