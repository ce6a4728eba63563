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
    path("archive/retention/", views.retention_page, name="retention"),
    path("archive/retention/acts/", views.destruction_act_create, name="destruction_act_create"),
    path("archive/retention/acts/<int:pk>/", views.destruction_act_detail, name="destruction_act_detail"),
    path(
        "archive/retention/acts/<int:pk>/approve/",
        views.destruction_act_approve_view,
        name="destruction_act_approve",
    ),
    path("archive/retention/acts/<int:pk>/pdf/", views.destruction_act_pdf, name="destruction_act_pdf"),
    path("archive/retention/holds/", views.legal_hold_create, name="legal_hold_create"),
    path(
        "archive/retention/holds/<int:pk>/release/", views.legal_hold_release_view, name="legal_hold_release"
    ),
    path("archive/my-child/<int:student_id>/", views.my_child_data, name="my_child_data"),
]
