from django.apps import AppConfig


class PipelineAdminConfig(AppConfig):
    name = "pipeline_admin"
    verbose_name = "Pipeline admin"
