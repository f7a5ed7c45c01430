"""A serving process sets the garbage collector's thresholds from ``server.gc_thresholds``
(after freezing the start-up heap); a bad value is a configuration error naming it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from connector_service.config import ConfigError, load_config
from tests.observability.asgi import running


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    try:
        yield
    finally:
        gc.set_threshold(*before)


async def test_startup_sets_the_configured_thresholds(restore_gc: None) -> None:
    gc.set_threshold(700, 10, 10)
    config = load_config(data={"server": {"gc_thresholds": [12345, 20, 300]}})
    async with running(config) as client:
        assert gc.get_threshold() == (12345, 20, 300)
        assert (await client.request("GET", "/health")).status == 200


async def test_the_default_collects_less_often_than_python(restore_gc: None) -> None:
    gc.set_threshold(700, 10, 10)
    async with running(load_config(data={})):
        first, second, third = gc.get_threshold()
    assert first >= 10_000 and second >= 10 and third >= 100


def test_a_bad_threshold_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"server\.gc_thresholds"):
        load_config(data={"server": {"gc_thresholds": [0, 10, 10]}})
    with pytest.raises(ConfigError, match=r"server\.gc_thresholds"):
        load_config(data={"server": {"gc_thresholds": [700, 10]}})
