from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import include, path

from .roles import ANALYSTS, user_has_role
from .views import LoginView


def home(request):
    return redirect("dashboard:home" if user_has_role(request.user, ANALYSTS) else "pipeline_admin:uploads")


handler500 = "ordersite.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("dashboard.urls")),
    path("api/", include("dashboard.api_urls")),
    path("pipeline/", include("pipeline_admin.urls")),
    path("admin/", admin.site.urls),
]
