from django.contrib import admin
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

# The admin signs in through allauth, which throttles failed attempts.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = admin.site.site_title = _("School results record")

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("gradebook.urls")),
    path("", include("portfolio.urls")),
    path("", include("achievements.urls")),
    path("", include("archive.urls")),
    path("import/", include("gradebook.import_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("gradebook.api_urls")),
    path("api/v1/", include("portfolio.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # The language switch is on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
