"""The page's start-up warm-up: the first script run fills the shared caches once."""

from __future__ import annotations

import gc

import pytest

from ui import cache


@pytest.fixture
def cold(monkeypatch):
    """Empty caches and a process that has not warmed up yet."""
    monkeypatch.setattr(cache, "_WARMED", [])
    cache._stats.clear()
    cache._context.clear()
    yield
    gc.unfreeze()


def test_warm_up_evaluates_every_builtin_scenario_once(cold, monkeypatch):
    evaluated: list[str] = []
    real = cache.stats.scenario_stats

    def counting(scenario, baseline):
        evaluated.append(scenario.id)
        return real(scenario, baseline)

    monkeypatch.setattr(cache.stats, "scenario_stats", counting)
    cache.warm_up()
    builtins = list(cache.builtin_scenarios())
    assert evaluated == builtins
    assert gc.get_freeze_count() > 0  # the warm caches are out of the full collections
    cache.warm_up()  # a later run does nothing
    baseline = cache.snapshot_baseline()
    for scenario in cache.builtin_scenarios().values():
        cache.stats_for(scenario, baseline)  # served from the cache
    assert evaluated == builtins
