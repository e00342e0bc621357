from django.urls import path

from . import crawler_views, direct_views, views

app_name = "pipeline_admin"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("files/", views.uploads, name="uploads"),
    path("files/refresh/", views.uploads_refresh, name="uploads_refresh"),
    path("files/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("files/<int:pk>/stale.csv", views.upload_stale_orders, name="upload_stale_orders"),
    path("upload/inspect/", views.upload_inspect, name="upload_inspect"),
    path("upload/template.csv", views.upload_template, name="upload_template"),
    path("upload/direct/", direct_views.direct_begin, name="upload_direct_begin"),
    path("upload/direct/<int:pk>/parts/", direct_views.direct_parts, name="upload_direct_parts"),
    path("upload/direct/<int:pk>/complete/", direct_views.direct_complete, name="upload_direct_complete"),
    path("upload/direct/<int:pk>/abort/", direct_views.direct_abort, name="upload_direct_abort"),
    path("files/status/", direct_views.uploads_status, name="uploads_status"),
    path("files/<int:pk>/mapping/", views.upload_remap, name="upload_remap"),
    path("files/<int:pk>/reprocess/", views.upload_reprocess, name="upload_reprocess"),
    path("files/<int:pk>/delete-output/", views.upload_output_delete, name="upload_output_delete"),
    path("files/dlq/replay/", views.dlq_replay, name="dlq_replay"),
    path("files/reconcile/", views.uploads_reconcile, name="uploads_reconcile"),
    path("bucket/", views.bucket, name="bucket"),
    path("crawler/", crawler_views.crawler, name="crawler"),
    path("crawler/start/", crawler_views.crawler_start, name="crawler_start"),
    path("crawler/runs/<int:pk>/", crawler_views.crawler_run, name="crawler_run"),
    path("crawler/catalog/", crawler_views.catalog, name="catalog"),
]
