from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError

from ordersite.roles import DEMO_USERS, roles_ensure


class Command(BaseCommand):
    help = "Create one demo user per role (local twin only) and print the logins."

    def handle(self, *args, **options):
        if settings.PIPELINE_MODE != "local" or not settings.DEBUG:
            raise CommandError("demo users exist only on the local twin with DEBUG on")
        roles_ensure()
        # Locally the demo admin also manages accounts and groups in /admin/ (in AWS the first superuser does).
        account_admin = Permission.objects.filter(
            content_type__app_label="auth", content_type__model__in=["user", "group"]
        )
        for username, (role, password) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = role == "Pipeline admins"
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            user.user_permissions.set(account_admin if role == "Pipeline admins" else [])
            self.stdout.write(f"  {role:<16} {username} / {password}")
