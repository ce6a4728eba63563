from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("role/", views.role_switch, name="role_switch"),
]
