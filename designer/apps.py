from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    verbose_name = "Stepwise designer"

    def ready(self) -> None:
        from audit import targets
        from audit.models import TargetType
        from catalog.nodes import registry
        from designer import checks  # noqa: F401 - registers the system checks
        from designer.selectors import workflow_ids_existing

        targets.register(TargetType.WORKFLOW, workflow_ids_existing)
        # The node types, installed plugins included, once per process at its start (web,
        # worker, tick, any command): a broken plugin is logged now and skipped.
        registry.load()
