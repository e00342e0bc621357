from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from ordersite.roles import DEMO_USERS, roles_ensure


class Command(BaseCommand):
    help = "Create one demo user per role (local twin only) and print the logins."

    def handle(self, *args, **options):
        if settings.PIPELINE_MODE != "local" or not settings.DEBUG:
            raise CommandError("demo users exist only on the local twin with DEBUG on")
        roles_ensure()
        for username, (role, password) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = role == "Pipeline admins"
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"  {role:<16} {username} / {password}")
