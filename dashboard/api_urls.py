from django.urls import path

from . import drill_views, views

urlpatterns = [
    path("reports/<slug:slug>/", views.report_api, name="report_api"),
    path("orders/", drill_views.orders_api, name="orders_api"),
]
