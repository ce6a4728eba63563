from django.urls import path

from gradebook import api, family_api, journal_api

urlpatterns = [
    path("my-children/", api.MyChildrenApi.as_view(), name="api-my-children"),
    path("my-classes/", api.MyClassesApi.as_view(), name="api-my-classes"),
    path("students/<int:pk>/", api.StudentDetailApi.as_view(), name="api-student-detail"),
    path("journals/<int:pk>/", journal_api.JournalApi.as_view(), name="api-journal"),
    path("journals/<int:pk>/cells/", journal_api.JournalCellApi.as_view(), name="api-journal-cell"),
    path(
        "journals/<int:pk>/term-marks/",
        journal_api.JournalTermMarkApi.as_view(),
        name="api-journal-term-mark",
    ),
]

urlpatterns += [
    path("students/<int:pk>/marks/", family_api.StudentMarksApi.as_view(), name="api-student-marks"),
    path("students/<int:pk>/diary/", family_api.StudentDiaryApi.as_view(), name="api-student-diary"),
    path(
        "students/<int:pk>/diary/acknowledge/",
        family_api.StudentDiaryAcknowledgeApi.as_view(),
        name="api-student-diary-acknowledge",
    ),
    path("students/<int:pk>/changes/", family_api.StudentChangesApi.as_view(), name="api-student-changes"),
]
