"""Triggers that start runs by themselves: signed webhooks and cron schedules, both
started from the version pinned when the workflow was activated."""
