"""The default value-chain template (production/chain_defaults.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from mardom.production.reference import load_default_chain

    load_default_chain(apps.get_model("production", "ChainTemplate"), apps.get_model("production", "ChainStage"),
                       using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("production", "0005_job_leaders_chains_suggestion_decisions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
