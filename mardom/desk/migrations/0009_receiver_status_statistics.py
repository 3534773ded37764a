"""PostgreSQL's planner is told that a receiver and a request's status go together.

Without it the planner multiplies a branch's share of requests by the share that is running, as if they were
independent; a slow branch has far more running, so it expected 301 rows where there were 5,951, chose to sort
them all and the inbox cost 20 ms instead of 0.5 ms at 100,000 requests (bench/desk.py). SQLite has no such
statistics and does not need them here (its plan follows the partial deadline index).
"""

from django.db import migrations

STATISTICS = ("CREATE STATISTICS IF NOT EXISTS desk_request_receiver_status (dependencies, mcv) "
              "ON institution_id, status FROM desk_request")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS)
        schema_editor.execute("ANALYZE desk_request")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS desk_request_receiver_status")


class Migration(migrations.Migration):

    dependencies = [("desk", "0008_inbox_due_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
