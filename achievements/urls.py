from django.urls import path

from achievements import views

urlpatterns = [
    path("achievements/classes/<int:pk>/levels/", views.levels_class, name="levels_class"),
    path("achievements/classes/<int:pk>/personal/", views.personal_results, name="personal_results"),
    path("achievements/works/<int:pk>/thresholds/", views.level_thresholds, name="level_thresholds"),
    path("students/<int:pk>/characteristic/", views.characteristic_edit, name="characteristic_edit"),
    path(
        "achievements/characteristics/<int:pk>/publish/",
        views.characteristic_publish,
        name="characteristic_publish",
    ),
    path("students/<int:pk>/results-card/", views.results_card, name="results_card"),
    path("students/<int:pk>/results-card/pdf/", views.results_card_pdf, name="results_card_pdf"),
]
