"""Moved to ``connector_service.testing.stripe_form``; this alias keeps the old imports."""

import sys

from connector_service.testing import stripe_form as _moved

sys.modules[__name__] = _moved
