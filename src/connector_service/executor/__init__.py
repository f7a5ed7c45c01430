"""The one place that performs HTTP I/O for every connector."""

from connector_service.executor.http import Executor, OutcomeUnknown, Timeouts, Transport

__all__ = ["Executor", "OutcomeUnknown", "Timeouts", "Transport"]
