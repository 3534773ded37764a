import datetime as dt

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext as _


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@override_settings(MONEY_DISPLAY_UNIT="toman")
def test_filters_in_persian():
    day, instant = dt.date(2025, 3, 20), dt.datetime(2025, 3, 20, 10, 35, tzinfo=dt.UTC)
    with translation.override("fa"):
        assert render("{{ v|fa_digits }}", v="Room 12") == "Room ۱۲"
        assert render("{{ v|num }}", v=1234567) == "۱٬۲۳۴٬۵۶۷"
        assert render("{{ v|money }}", v=1234560) == f"۱۲۳٬۴۵۶\u00a0{_('toman')}"
        assert render("{{ v|jdate }}", v=day) == "۱۴۰۳/۱۲/۳۰"
        assert render('{{ v|jdate:"long" }}', v=day) == "۳۰ اسفند ۱۴۰۳"
        assert render("{{ v|jdatetime }}", v=instant) == "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵"


@override_settings(MONEY_DISPLAY_UNIT="toman")
def test_filters_in_english():
    day = dt.date(2025, 3, 21)
    with translation.override("en"):
        assert render("{{ v|fa_digits }}", v="۱۲") == "12"
        assert render("{{ v|num }}", v=1000) == "1,000"
        assert render("{{ v|money }}", v=15) == "15\u00a0rial"
        assert render('{{ v|jdate:"long" }}', v=day) == "1 Farvardin 1404"
        assert (
            render("{{ v|jdatetime }}", v=dt.datetime(2025, 3, 21, 9, 5, tzinfo=dt.UTC)) == "1404/01/01 12:35"
        )


def test_filters_pass_through_values_they_do_not_understand():
    with translation.override("fa"):
        assert render("{{ v|num }}|{{ v|money }}|{{ v|jdate }}", v="abc") == "abc|abc|abc"
        assert render("{{ v|jdate }}{{ v|jdatetime }}{{ v|fa_digits }}", v=None) == ""
        assert render("{{ v|num }}", v=True) == "True"


def test_escaping_is_kept():
    with translation.override("fa"):
        assert render("{{ v|fa_digits }}", v="<b>1</b>") == "&lt;b&gt;۱&lt;/b&gt;"


def test_a_refused_form_opens_with_a_summary_linking_each_field_in_error():
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        name = forms.CharField(label="نام")
        mobile = forms.CharField(label="تلفن همراه")
        note = forms.CharField(label="یادداشت", required=False)

    with translation.override("fa"):
        html = render_to_string("core/_form.html", {"form": Form(data={})})
        clean = render_to_string("core/_form.html", {"form": Form(data={"name": "a", "mobile": "b"})})
        unbound = render_to_string("core/_form.html", {"form": Form()})
    assert "data-error-summary" in html and "۲ خانه نیاز به اصلاح دارد" in html
    assert '<a href="#id_name">نام:' in html and '<a href="#id_mobile">تلفن همراه:' in html
    assert "یادداشت:" not in html  # only the fields in error are listed
    assert "data-error-summary" not in clean and "data-error-summary" not in unbound
