from django.urls import path

from gradebook import api

urlpatterns = [
    path("my-children/", api.MyChildrenApi.as_view(), name="api-my-children"),
    path("my-classes/", api.MyClassesApi.as_view(), name="api-my-classes"),
    path("students/<int:pk>/", api.StudentDetailApi.as_view(), name="api-student-detail"),
]
