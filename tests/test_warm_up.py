"""The page's start-up warm-up: the first script run fills the shared caches once."""

from __future__ import annotations

import gc

import pytest

from ui import cache, scenario_view


@pytest.fixture
def cold(monkeypatch):
    """Empty caches and a process that has not warmed up yet."""
    monkeypatch.setattr(cache, "_WARMED", [])
    cache._stats.clear()
    cache._context.clear()
    cache.rendered_map.clear()
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
    drawn: list[str] = []
    monkeypatch.setattr(
        scenario_view, "_folium_map", lambda view, prepared: drawn.append(view.scenario.id)
    )
    for scenario in cache.builtin_scenarios().values():
        cache.stats_for(scenario, baseline)  # served from the cache
        scenario_view.warm_map(scenario, baseline)  # the map a new viewer gets: rendered
    assert evaluated == builtins
    assert drawn == []
