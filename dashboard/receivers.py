"""What the dashboard does when pipeline_admin says processed data changed: a new data version
(every cached report becomes stale), then the default views are warmed once that is committed."""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from ordersite.signals import processed_data_changed

from .jobs import dashboard_warm
from .services import data_version_bump


@receiver(processed_data_changed, dispatch_uid="dashboard.data_version")
def on_processed_data_changed(sender, *, reason: str, source_keys=(), changed_at=None, **kwargs) -> None:
    data_version_bump(reason=reason, source_keys=list(source_keys), changed_at=changed_at)
    if settings.DASHBOARD_WARM_ON_NEW_DATA:
        transaction.on_commit(dashboard_warm)
