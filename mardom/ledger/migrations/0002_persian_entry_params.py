from django.db import migrations, models


def fill_params(apps, schema_editor):
    """Read the parameters back out of the memos entries were written with before they were stored."""
    from mardom.ledger.describe import params_from_old_memo

    Entry = apps.get_model("ledger", "Entry")
    batch = []
    for entry in Entry.objects.only("pk", "kind", "memo").iterator(chunk_size=2000):
        params = params_from_old_memo(entry.kind, entry.memo)
        if params:
            entry.params = params
            batch.append(entry)
        if len(batch) >= 2000:
            Entry.objects.bulk_update(batch, ["params"])
            batch = []
    if batch:
        Entry.objects.bulk_update(batch, ["params"])


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.RunPython(fill_params, migrations.RunPython.noop),
    ]
