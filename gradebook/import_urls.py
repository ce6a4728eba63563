from django.urls import path

from gradebook import import_views

urlpatterns = [
    path("", import_views.import_upload, name="import_upload"),
    path("preview/", import_views.import_preview, name="import_preview"),
    path("commit/", import_views.import_commit, name="import_commit"),
    path("samples/<slug:kind>.<slug:fmt>", import_views.import_sample, name="import_sample"),
]
