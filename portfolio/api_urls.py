from django.urls import path

from portfolio import api

urlpatterns = [
    path("students/<int:pk>/portfolio/", api.StudentPortfolioApi.as_view(), name="api-student-portfolio"),
    path("portfolio/overview/", api.PortfolioOverviewApi.as_view(), name="api-portfolio-overview"),
]
