"""The tick's heartbeat: one row per kind of periodic process ("tick"), written by every
copy of it after each pass, so that readiness can tell that one of them still runs."""

from django.db import models


class Heartbeat(models.Model):
    name = models.CharField(max_length=64, primary_key=True)
    # The database's clock, on write and on read (health/heartbeat.py): the web and the
    # tick may run on hosts whose clocks differ.
    beaten_at = models.DateTimeField()
    interval_s = models.FloatField(help_text="The loop's interval: readiness allows N of them between beats.")
    process = models.CharField(max_length=200, help_text="host:pid of the copy that beat last.")

    def __str__(self) -> str:
        return f"{self.name} at {self.beaten_at} from {self.process}"
