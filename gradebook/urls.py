from django.urls import path

from gradebook import views

urlpatterns = [
    path("teacher/", views.teacher_home, name="teacher_home"),
    path("class-teacher/", views.class_teacher_home, name="class_teacher_home"),
    path("parent/", views.parent_home, name="parent_home"),
    path("me/", views.student_home, name="student_home"),
    path("school/", views.school_overview, name="school_overview"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
]
