from django.apps import AppConfig


class OrdersiteConfig(AppConfig):
    name = "ordersite"
