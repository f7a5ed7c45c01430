"""Moved to ``connector_service.testing.fakes.checkout`` (shipped, for plug-in authors too);
this alias keeps the tests' imports, private names included, working."""

import sys

from connector_service.testing.fakes import checkout as _moved

sys.modules[__name__] = _moved
