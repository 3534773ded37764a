"""Statements (included into funds/urls.py under the "funds" namespace, at /funds/...)."""

from django.urls import path

from . import statement_views

urlpatterns = [
    path("members/<int:pk>/statement/", statement_views.member_statement_view, name="statement-member"),
    path("members/<int:pk>/statement.pdf", statement_views.member_statement_pdf, name="statement-member-pdf"),
    path("members/<int:pk>/statement/document/", statement_views.member_statement_document,
         name="statement-member-document"),
    path("<int:pk>/statement/", statement_views.fund_statement_view, name="statement-fund"),
    path("<int:pk>/statement.pdf", statement_views.fund_statement_pdf, name="statement-fund-pdf"),
]
