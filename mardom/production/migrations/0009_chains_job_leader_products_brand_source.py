"""Job leaders state the products they work with; a cluster's own collective brand fills the branding stage
(every stage whose actors come from branding job leaders also takes the cluster's brands)."""

from django.db import migrations, models


def add_brands(apps, schema_editor):
    ChainStage = apps.get_model("production", "ChainStage")
    for stage in ChainStage.objects.using(schema_editor.connection.alias).all():
        sources = stage.sources if isinstance(stage.sources, list) else []
        if "job_leaders.branding" in sources and "brands" not in sources:
            stage.sources = [*sources, "brands"]
            stage.save(update_fields=["sources"])


def remove_brands(apps, schema_editor):
    ChainStage = apps.get_model("production", "ChainStage")
    for stage in ChainStage.objects.using(schema_editor.connection.alias).all():
        sources = stage.sources if isinstance(stage.sources, list) else []
        if "brands" in sources:
            stage.sources = [s for s in sources if s != "brands"]
            stage.save(update_fields=["sources"])


class Migration(migrations.Migration):
    dependencies = [("production", "0008_funds_agreement_starts_on")]

    operations = [
        migrations.AddField(
            model_name="jobleader",
            name="products",
            field=models.ManyToManyField(blank=True, related_name="+", to="production.product",
                                         verbose_name="products it works with"),
        ),
        migrations.RunPython(add_brands, remove_brands),
    ]
