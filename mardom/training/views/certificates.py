"""The certificate as a Persian PDF (its holder and the course's publishers), revoking one, and the public
check page /c/<code>/ (no login; name, course, publisher and date only)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mardom.brands.views import grouped
from mardom.core.forms_util import run_service
from mardom.core.pdf import pdf_response, render_pdf

from .. import selectors, services
from ..forms import CertificateCodeForm, ReasonForm
from ..models import Certificate


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    url = services.public_url(certificate.code)
    return render_pdf("training/certificate_print.html", {
        "certificate": certificate, "code": grouped(certificate.code),
        "qr": segno.make(url, error="m").png_data_uri(scale=1, border=2),
        "url": url.split("://", 1)[-1],
    })


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    return pdf_response(certificate_pdf_bytes(certificate), f"certificate-{certificate.code}.pdf")


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.exceptions import PermissionDenied

    certificate = selectors.certificate_get(user=request.user, pk=pk)
    course = certificate.enrolment.course
    if not selectors.may_manage(request.user, course):
        raise PermissionDenied
    form = ReasonForm(request.POST, auto_id=f"revoke{certificate.pk}-%s")
    if form.is_valid() and run_service(form, services.certificate_revoke, by=request.user,
                                       certificate=certificate, reason=form.cleaned_data["reason"]):
        messages.success(request, _("The certificate was revoked; its public page says so."))
        return redirect("training:course", pk=course.pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("training:course", pk=course.pk)


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def certificate_view(request: HttpRequest, code: str) -> HttpResponse:
    check = services.certificate_check(code=code)
    return _no_index(render(request, "training/certificate_public.html", {
        "check": check, "certificate": check.certificate,
        "code": grouped(check.code) if check.certificate else check.code[:32],
        "form": CertificateCodeForm() if check.status in ("mistyped", "unknown") else None,
    }, status=404 if check.certificate is None else 200))


@require_GET
def certificate_search(request: HttpRequest) -> HttpResponse:
    form = CertificateCodeForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("certificate", code=form.cleaned_data["code"])
    return _no_index(render(request, "training/certificate_search.html", {"form": form},
                            status=400 if form.is_bound else 200))
