from django.urls import path

from . import views

urlpatterns = [
    path("reports/<slug:slug>/", views.report_api, name="report_api"),
]
