"""Moved to ``connector_service.testing.fakes.sandbox_http`` (shipped, for plug-in authors too);
this alias keeps the tests' imports, private names included, working."""

import sys

from connector_service.testing.fakes import sandbox_http as _moved

sys.modules[__name__] = _moved
