"""Referrals join the desk: every orgs.Referral is copied into a desk Request of kind "referral" (see
mardom/desk/referral_copy.py for how statuses and history map). The orgs.Referral table stays, read-only."""

from django.db import migrations


def forwards(apps, schema_editor):
    from mardom.desk.referral_copy import copy_referrals

    copy_referrals(apps)


def backwards(apps, schema_editor):
    from mardom.desk.referral_copy import remove_copies

    remove_copies(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("desk", "0005_referrals"),
        ("orgs", "0006_alter_orgunit_kind"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
