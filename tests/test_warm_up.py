"""The page's start-up warm-up: the first script run fills the shared caches once."""

from __future__ import annotations

import gc

import pytest
from app_support import run_app

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


class _Result:
    """Stands for a cached evaluation (hashable by identity, weakly referable)."""


def test_derived_is_made_once_per_result_and_name_and_dropped_with_the_result():
    made: list[str] = []

    def make(what: str):
        return lambda: made.append(what) or [what]

    one, two = _Result(), _Result()
    first = cache.derived(one, "tables", make("one"))
    assert cache.derived(one, "tables", make("again")) is first
    assert cache.derived(one, "line", make("line")) == ["line"]
    assert cache.derived(two, "tables", make("two")) == ["two"]
    assert made == ["one", "line", "two"]
    del one
    gc.collect()
    assert [k for k in cache._DERIVED.keys() if isinstance(k, _Result)] == [two]


def test_a_new_session_draws_the_tables_without_writing_them_again(monkeypatch):
    written: list[str] = []
    real = scenario_view._table_texts

    def counting(result):
        written.append(str(result.partition.attrs.get("scenario", "")))
        return real(result)

    monkeypatch.setattr(scenario_view, "_table_texts", counting)
    monkeypatch.setattr(cache, "_DERIVED", cache.weakref.WeakKeyDictionary())
    first = run_app(scenario="land-swap")
    assert len(written) >= 1  # the first session's run wrote them (or the warm-up did)
    after_first = list(written)
    second = run_app(scenario="land-swap")
    assert written == after_first  # the second session's run wrote nothing again
    tables = [m.value for m in first.markdown if m.value.startswith("| Region |")]
    assert tables and tables == [
        m.value for m in second.markdown if m.value.startswith("| Region |")
    ]
