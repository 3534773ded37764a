import pytest


@pytest.mark.django_db
def test_english_browser_still_gets_persian(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fa"
    assert 'lang="fa" dir="rtl"' in response.content.decode()


@pytest.mark.django_db
def test_the_switch_chooses_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/")
    assert 'lang="en" dir="ltr"' in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_persian(client):
    client.cookies["mardom_language"] = "xx"
    assert 'lang="fa" dir="rtl"' in client.get("/login/").content.decode()


@pytest.mark.parametrize("url", ["/production/producers/?q=a%00b", "/production/job-leaders/?q=%00",
                                 "/brands/?q=%00", "/shop/?q=%00", "/people/?q=x%00"])
def test_a_nul_byte_in_a_query_is_a_400_not_a_500(client, county_officer, url):
    """PostgreSQL refuses NUL in text: a search carrying one would fail deep in the database."""
    client.force_login(county_officer)
    response = client.get(url)
    assert response.status_code == 400 and 'lang="fa"' in response.content.decode()  # the Persian error page


def test_a_nul_byte_in_a_posted_form_is_a_400(client, county_officer):
    client.force_login(county_officer)
    assert client.post("/production/job-leaders/new/", {"name": "a\x00b"}).status_code == 400
