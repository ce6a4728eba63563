from django.urls import path

from portfolio import deputy_views, rating_views, views

urlpatterns = [
    path("students/<int:pk>/portfolio/", views.portfolio_student, name="portfolio_student"),
    path("students/<int:pk>/portfolio/add/", views.portfolio_item_add, name="portfolio_item_add"),
    path("students/<int:pk>/portfolio/credit/", deputy_views.credit_request_add, name="credit_request_add"),
    path("portfolio/items/<int:pk>/", views.portfolio_item, name="portfolio_item"),
    path("portfolio/items/<int:pk>/edit/", views.portfolio_item_edit, name="portfolio_item_edit"),
    path("portfolio/items/<int:pk>/evidence/", views.portfolio_item_evidence, name="portfolio_item_evidence"),
    path("portfolio/items/<int:pk>/review/", views.portfolio_item_review, name="portfolio_item_review"),
    path("portfolio/files/<int:pk>/", views.portfolio_evidence, name="portfolio_evidence"),
    path("portfolio/review/", views.portfolio_review_queue, name="portfolio_review_queue"),
    path("portfolio/rating/", rating_views.portfolio_rating, name="portfolio_rating"),
    path("portfolio/overview/", rating_views.portfolio_overview, name="portfolio_overview"),
    path("portfolio/points/", rating_views.portfolio_points, name="portfolio_points"),
    path("portfolio/awards/", deputy_views.portfolio_awards, name="portfolio_awards"),
    path(
        "portfolio/awards/proposals/generate/",
        deputy_views.award_proposals_generate,
        name="award_proposals_generate",
    ),
    path(
        "portfolio/awards/proposals/<int:pk>/decide/",
        deputy_views.award_proposal_decide,
        name="award_proposal_decide",
    ),
    path("portfolio/awards/orders/", deputy_views.award_order_create, name="award_order_create"),
    path("portfolio/awards/orders/<int:pk>/pdf/", deputy_views.award_order_pdf, name="award_order_pdf"),
    path("portfolio/credits/", deputy_views.portfolio_credits, name="portfolio_credits"),
    path(
        "portfolio/credits/<int:pk>/decide/", deputy_views.credit_request_decide, name="credit_request_decide"
    ),
    path("portfolio/gifted/", deputy_views.portfolio_gifted, name="portfolio_gifted"),
]
