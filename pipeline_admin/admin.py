from django.contrib import admin

from .models import CrawlerRun, Upload, UploadEvent


class UploadEventInline(admin.TabularInline):
    model = UploadEvent
    extra = 0
    readonly_fields = ["status", "note", "actor", "at"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "rows_in", "rows_out", "uploaded_by", "uploaded_at"]
    list_filter = ["status", "uploaded_at", "uploaded_by"]
    search_fields = ["original_name", "key", "sha256"]
    readonly_fields = ["key", "sha256", "size", "manifest", "uploaded_at", "queued_at", "updated_at"]
    inlines = [UploadEventInline]


@admin.register(CrawlerRun)
class CrawlerRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "state", "trigger", "mode", "requested_by", "partitions_added", "finished_at"]
    list_filter = ["state", "trigger", "mode"]
