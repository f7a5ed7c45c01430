"""Moved to ``connector_service.testing.fakes.rapyd`` (shipped, for plug-in authors too);
this alias keeps the tests' imports, private names included, working."""

import sys

from connector_service.testing.fakes import rapyd as _moved

sys.modules[__name__] = _moved
