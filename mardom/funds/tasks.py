"""Background work of the funds (django-tasks; the database worker runs it in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def fund_import_task(*, record_id: int) -> str:
    """Check and post one uploaded workbook (funds.onboarding); the page polls the record's status."""
    from .models import FundImport
    from .onboarding.posting import fund_import_run

    return fund_import_run(record=FundImport.objects.get(pk=record_id)).status
