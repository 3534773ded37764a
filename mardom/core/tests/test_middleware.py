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
