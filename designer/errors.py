"""Domain errors of the designer; config/errors.py maps them to HTTP in one place."""

from __future__ import annotations

from designer.validation import Problem


class DomainError(Exception):
    """An error a person can act on: an HTTP status, a sentence, and the problems by
    node/edge/field. The engine's errors share it; config/errors.py maps it once."""

    status = 400

    def __init__(self, detail: str, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class DesignerError(DomainError):
    pass


class GraphUnloadable(DesignerError):
    """Not even an object with nodes and edges lists: cannot be stored as a draft."""

    status = 400


class GraphTooLarge(DesignerError):
    status = 413


class GraphInvalid(DesignerError):
    """The graph has problems and the action (run, activate) needs a valid one."""

    status = 422


class VersionConflict(DesignerError):
    status = 409


class InvalidImport(DesignerError):
    status = 400


class InUse(DesignerError):
    status = 409
