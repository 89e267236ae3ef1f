"""config.py: the settings read from the environment, and the rules they must follow."""

import pytest

from invoicing.config import from_environ
from invoicing.errors import ConfigError


def test_a_live_key_needs_an_admin_password():
    with pytest.raises(ConfigError, match="ADMIN_PASSWORD"):
        from_environ({"STRIPE_SECRET_KEY": "sk_live_0123456789abcdef"})
    assert from_environ({"STRIPE_SECRET_KEY": "rk_live_0123456789abcdef", "ADMIN_PASSWORD": "x"})


def test_settings_say_the_real_rules():
    with pytest.raises(ConfigError, match="at least 8 letters, digits or underscores") as caught:
        from_environ({"STRIPE_SECRET_KEY": "sk_test_fake123"})
    assert "fake123" not in str(caught.value)
    with pytest.raises(ConfigError, match="ADMIN_PASSWORD"):
        from_environ({"STRIPE_SECRET_KEY": "sk_live_0123456789abcdef", "ADMIN_PASSWORD": "  "})
    blanks = {"PORT": " ", "DAYS_UNTIL_DUE": "", "TRUSTED_PROXIES": ""}
    assert from_environ(blanks)["PORT"] == 4242
