from django.urls import path

from . import drill_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("refresh/", views.refresh, name="refresh"),
    path("cards/<slug:slug>/", views.card, name="card"),
    path("cards/", views.page_cards, name="cards"),
    path("customers/", views.customers, name="customers"),
    path("version/", views.data_version, name="version"),
    path("export/<slug:slug>.csv", views.export_csv, name="export"),
    path("orders/", drill_views.orders, name="orders"),
    path("orders/export.csv", drill_views.orders_export, name="orders_export"),
    path("orders/history/", drill_views.order_history, name="order_history"),
]
