"""The funds' fixtures: the roll-ups are tested through the funds services."""

from mardom.funds.tests.conftest import fund, join, treasurer  # noqa: F401 - fixtures
