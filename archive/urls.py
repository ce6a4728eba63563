from django.urls import path

from archive import views

urlpatterns = [
    path("archive/", views.archive_home, name="archive_home"),
    path("archive/years/<int:year_id>/close/", views.archive_year_close, name="archive_year_close"),
    path("archive/years/<int:year_id>/promotion/", views.archive_promotion, name="archive_promotion"),
    path("archive/packages/", views.archive_package_create, name="archive_package_create"),
    path("archive/packages/status/", views.archive_packages_status, name="archive_packages_status"),
    path("archive/packages/<int:pk>/", views.archive_package_detail, name="archive_package_detail"),
    path(
        "archive/packages/<int:pk>/verify/", views.archive_package_verify_view, name="archive_package_verify"
    ),
    path(
        "archive/packages/<int:pk>/download/", views.archive_package_download, name="archive_package_download"
    ),
]
