"""The funds' fixtures: the roll-ups are tested through the funds services."""

from mardom.funds.tests.conftest import fund, join, treasurer  # noqa: F401 - fixtures
from mardom.funds.tests.test_statements import world  # noqa: F401 - fixture
