from django.core.management.base import BaseCommand

from dashboard.jobs import dashboard_warm


class Command(BaseCommand):
    help = "Start the jobs that compute the dashboard's default views (one per report not already running)."

    def handle(self, *args, **options):
        started = dashboard_warm()
        self.stdout.write(f"warming {len(started)} report(s): {', '.join(started) or 'none needed'}")
