"""What `mardom synth` leaves behind to recognise its own rows: one record per run.

The synthetic data set is written set-based (COPY), not through the services, so nothing else marks its rows;
the ranges of ids it took tell its funds and users from real ones, which is what lets `synth` refuse a
database that holds real funds or real logins (mardom.demo.synth.guard).
"""

from __future__ import annotations

from django.db import models


class SynthRun(models.Model):
    seed = models.BigIntegerField()
    scale = models.FloatField()
    today = models.DateField()  # the day the history ends on; with the seed it fixes every row and hash
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)  # empty: the run did not complete
    # Inclusive id ranges of the org units (bases, funds, clusters, colonies, exhibitions) and users it made.
    first_unit_id = models.BigIntegerField()
    last_unit_id = models.BigIntegerField()
    first_user_id = models.BigIntegerField()
    last_user_id = models.BigIntegerField()
    stats = models.JSONField(default=dict)  # rows per table, seconds per phase, database size

    def __str__(self) -> str:
        return f"synth seed={self.seed} scale={self.scale}"
