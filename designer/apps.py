from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    verbose_name = "Stepwise designer"

    def ready(self) -> None:
        from audit import targets
        from audit.models import TargetType
        from designer.selectors import workflow_ids_existing

        targets.register(TargetType.WORKFLOW, workflow_ids_existing)
