from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from catalog.nodes.base import JSONDict, NodeType, choices, literal, obj
from catalog.nodes.registry import register


@register
class ScheduleTrigger(NodeType):
    type = "trigger.schedule"
    starts_on = "schedule"
    title = "Schedule"
    category = "Triggers"
    description = "Starts a run on a cron schedule, exactly once per slot."
    is_trigger = True
    config_schema = obj(
        {
            "cron": literal({"type": "string", "title": "Cron expression", "minLength": 1, "examples": ["*/5 * * * *"]}),
            "timezone": literal({"type": "string", "title": "Time zone", "minLength": 1}),
            "misfire": literal(
                {
                    **choices({"skip": "Skip the missed slots", "run_once": "Run once to catch up"}),
                    "title": "After downtime",
                    "description": "skip: missed slots are dropped. run_once: one run catches up.",
                }
            ),
        },
        required=("cron",),
    )
    default_config = {"cron": "0 * * * *", "timezone": "UTC", "misfire": "skip"}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        problems = []
        cron = config["cron"]
        fields = cron.split()
        if len(fields) != 5 or not croniter.is_valid(cron):
            problems.append(("/cron", f"{cron!r} is not a valid cron expression (5 fields: minute hour day month weekday)."))
        elif any(part.upper() in ("R", "H") or part.upper().startswith(("R(", "H(")) for part in fields):
            problems.append(("/cron", f"{cron!r}: random slots (R, H) are not supported; name the minute and hour."))
        else:
            try:  # valid syntax that never fires, such as 31 February
                croniter(cron, datetime.now(UTC)).get_next(datetime)
            except (CroniterBadDateError, ValueError, KeyError):
                problems.append(("/cron", f"{cron!r} never fires (no such date)."))
        tz = config.get("timezone", "UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(("/timezone", f"{tz!r} is not a known time zone (use an IANA name such as Europe/Paris)."))
        return problems
