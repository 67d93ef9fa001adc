"""Domain errors of the designer; core/api/errors.py maps them to HTTP in one place."""

from __future__ import annotations

from core.errors import DomainError


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
