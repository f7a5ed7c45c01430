"""The sandbox gateway: a simulated payment gateway that runs inside the service.

It has its own small JSON API (spoken by ``connectors/sandbox.py`` exactly as a real
connector speaks to a real gateway), keeps its ledger in the service's storage so that
several worker processes agree, and serves the 3-D Secure challenge page itself.
"""

from connector_service.sandbox.gateway import TEST_CARDS, SandboxGateway

__all__ = ["TEST_CARDS", "SandboxGateway"]
