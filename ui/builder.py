"""The scenario builder: start from a scenario, set outcomes region by region, add a DMZ strip.

The result is an ordinary :class:`~territory_viz.scenarios.Scenario`: the base scenario's
rules, then (if asked) a demilitarized strip along the baseline's line of contact, then
one rule per region the analyst set (later rules win, so a region set here overrides
everything before it). It is validated by writing it as TOML and reading that back with
the library's parser, so the downloaded file is exactly what ``python -m territory_viz
validate`` and ``stats --scenario-file`` accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from territory_viz import areas, render
from territory_viz._errors import ValidationError
from territory_viz.model import REGION_NAMES, Control, Party, Recognition
from territory_viz.scenarios import (
    Rule,
    Scenario,
    default_recognition,
    parse_scenario,
    scenario_to_toml,
)
from territory_viz.style import NET_UKRAINE_LABEL
from territory_viz.textsafe import isolate_if_bidi
from ui._text import md_escape
from ui.baseline import Baseline
from ui.cache import stats_for
from ui.scenario_view import control_metric

_OVERRIDES = "tv_builder_overrides"
_BASE = "tv_builder_base"
#: Widest demilitarized strip the builder offers, km on each side of the line.
MAX_BUILDER_STRIP_KM = 50
_NOTE = "Set region by region in the territory_viz builder."
_STRIP_NOTE = "Demilitarized strip along the baseline's line of contact (builder)."

_RECOGNITION_LABELS = {
    Recognition.NONE: "none",
    Recognition.DE_FACTO: "de facto (accepted as a fact)",
    Recognition.DE_JURE: "de jure (legal recognition)",
}


@dataclass(frozen=True)
class RegionOutcome:
    """What the analyst set for one region: control and each party's recognition."""

    control: Control
    recognition: tuple[tuple[Party, Recognition], ...]

    def rule(self, iso_code: str) -> Rule:
        """Return the scenario rule giving this outcome to the whole region."""
        return Rule(
            area=areas.Regions((iso_code,)),
            control=self.control,
            recognition=self.recognition,
            note=_NOTE,
        )


def strip_parameter(scenario: Scenario) -> str | None:
    """Return the parameter a scenario uses as the width of a strip, if any (e.g. buffer_km)."""

    def find(area: object) -> str | None:
        if isinstance(area, areas.Strip) and isinstance(area.width_km, areas.ParamRef):
            return area.width_km.name
        for item in getattr(area, "items", ()):
            found = find(item)
            if found:
                return found
        return None

    for rule in scenario.rules:
        name = find(rule.area)
        if name and name in scenario.parameters:
            return name
    return None


def build_variant(
    base: Scenario,
    overrides: dict[str, RegionOutcome],
    *,
    strip_km: float,
    scenario_id: str,
    title: str,
    summary: str | None = None,
) -> Scenario:
    """Make a scenario from a base, outcomes per region and a DMZ strip width.

    Parameters
    ----------
    base
        The scenario to start from (its rules and sources are kept).
    overrides
        ISO code -> outcome for the whole region (applied last, in ISO-code order).
    strip_km
        Width of the demilitarized strip on each side of the baseline's line of contact,
        km; 0 for none. When the base has a strip parameter (``buffer_km``), it is set.
    scenario_id, title
        The variant's id (a slug) and title.
    summary
        Its summary; by default one is written from the changes.

    Returns
    -------
    Scenario
        Not yet validated: see :func:`validated`.
    """
    rules = list(base.rules)
    parameters = dict(base.parameters)
    param = strip_parameter(base)
    if param is not None:
        parameters[param] = float(strip_km)
    elif strip_km > 0:
        rules.append(
            Rule(
                area=areas.Strip(float(strip_km)),
                control=Control.DEMILITARIZED,
                recognition=tuple(default_recognition(Control.DEMILITARIZED).items()),
                note=_STRIP_NOTE,
            )
        )
    for iso in sorted(overrides):
        rules.append(overrides[iso].rule(iso))
    if summary is None:
        labels = render.CONTROL_LABELS
        changes = [
            f"{REGION_NAMES.get(iso, iso)}: {labels.get(o.control, o.control)}"
            for iso, o in sorted(overrides.items())
        ]
        summary = f"Variant of “{base.title}” built in territory_viz."
        if changes:
            summary += " Regions set: " + "; ".join(changes) + "."
        if strip_km > 0:
            summary += f" Demilitarized strip of {strip_km:g} km on each side of the line."
    return replace(
        base,
        id=scenario_id,
        title=title,
        summary=summary,
        as_of=date.today(),
        rules=tuple(rules),
        parameters=parameters,
    )


def validated(scenario: Scenario) -> tuple[Scenario, str]:
    """Write a scenario as TOML and read it back with the library's validator.

    Returns
    -------
    tuple of (Scenario, str)
        The scenario as read back, and the TOML text (what the download contains).

    Raises
    ------
    ValidationError
        Listing every problem (bad id, title too long, too many rules...).
    """
    text = scenario_to_toml(scenario)
    return parse_scenario(text, source_name=f"{scenario.id or 'variant'}.toml"), text


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")[:60]


def _overrides() -> dict[str, RegionOutcome]:
    return st.session_state.setdefault(_OVERRIDES, {})


def _region_editor(key: str) -> None:
    """Pick a region, its control and each party's recognition; apply or remove it."""
    overrides = _overrides()
    codes = list(REGION_NAMES)
    c1, c2 = st.columns([2, 2])
    iso = c1.selectbox(
        "Region", codes, key=f"{key}_region", format_func=lambda c: f"{REGION_NAMES[c]} ({c})"
    )
    controls = [c.value for c in Control]
    control = Control(
        c2.selectbox(
            "Control (de facto)",
            controls,
            key=f"{key}_control",
            format_func=lambda c: render.CONTROL_LABELS.get(c, c),
        )
    )
    st.caption("Recognition: what each party would accept about Russian control there.")
    defaults = default_recognition(control)
    levels = [r.value for r in Recognition]
    cols = st.columns(len(Party))
    recognition = []
    for col, party in zip(cols, Party, strict=True):
        chosen = col.selectbox(
            party.label,
            levels,
            index=levels.index(defaults[party].value),
            key=f"{key}_rec_{party.value}_{control.value}",
            format_func=lambda v: _RECOGNITION_LABELS[Recognition(v)],
        )
        recognition.append((party, Recognition(chosen)))
    b1, b2, b3 = st.columns(3)
    if b1.button("Set this region", key=f"{key}_apply", type="primary"):
        overrides[iso] = RegionOutcome(control, tuple(recognition))
    if b2.button(
        "Remove this region's setting", key=f"{key}_remove", disabled=iso not in overrides
    ):
        overrides.pop(iso, None)
    if b3.button("Clear all regions", key=f"{key}_clear", disabled=not overrides):
        overrides.clear()
    if overrides:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Region": REGION_NAMES.get(code, code),
                        "Control": render.CONTROL_LABELS.get(o.control, o.control),
                        **{p.label: lvl.value.replace("_", " ") for p, lvl in o.recognition},
                    }
                    for code, o in sorted(overrides.items())
                ]
            ),
            hide_index=True,
            key=f"{key}_table",
        )
    else:
        st.caption("No region set yet: the variant is the base scenario (plus any strip).")


def builder_view(
    options: dict[str, Scenario],
    baseline: Baseline,
    *,
    start_id: str | None = None,
    key: str = "tv_builder",
) -> Scenario | None:
    """Draw the builder; return the valid variant (or ``None`` while it has problems).

    Parameters
    ----------
    options
        Scenarios to start from, by id.
    baseline
        The baseline the preview numbers are evaluated against.
    start_id
        The scenario to start from when the builder opens (the page's current one).
    key
        Prefix of widget keys.
    """
    st.subheader("Build a scenario", anchor=False)
    st.caption(
        "Start from any scenario, set the outcome region by region (later settings "
        "win over the base scenario), add a demilitarized strip, then download the "
        "file: `python -m territory_viz validate` and `stats --scenario-file` take it "
        "as it is, and the scenario uploader in the sidebar takes it back."
    )
    ids = list(options)
    if st.session_state.get(_BASE) not in ids:
        st.session_state[_BASE] = start_id if start_id in ids else ids[0]
    base_id = st.selectbox(
        "Start from", ids, key=_BASE, format_func=lambda i: isolate_if_bidi(options[i].title)
    )
    base = options[base_id]
    param = strip_parameter(base)
    default_strip = float(base.parameters.get(param, 0.0)) if param else 0.0
    strip_km = st.slider(
        "Demilitarized strip, km on each side of the line of contact (0 = none)",
        min_value=0,
        max_value=MAX_BUILDER_STRIP_KM,
        value=int(min(default_strip, MAX_BUILDER_STRIP_KM)),
        step=1,
        key=f"{key}_strip_{base_id}",
        help="Along the baseline's line of contact. "
        + (
            f"Sets this scenario's parameter {param}."
            if param
            else "Added as a rule after the base scenario's rules, before the regions set below."
        ),
    )
    _region_editor(key)
    c1, c2 = st.columns(2)
    default_id = f"{base_id}-variant"[:60]
    scenario_id = c1.text_input(
        "Id of the variant (lower-case letters, digits, hyphens)",
        value=default_id,
        key=f"{key}_id_{base_id}",
    )
    title = c2.text_input(
        "Title", value=f"{base.title} (variant)"[:200], key=f"{key}_title_{base_id}"
    )
    candidate = build_variant(
        base,
        dict(_overrides()),
        strip_km=float(strip_km),
        scenario_id=scenario_id.strip(),
        title=title.strip(),
    )
    try:
        variant, text = validated(candidate)
    except ValidationError as err:
        st.error(md_escape(f"The variant is not valid yet: {len(err.problems)} problem(s)"))
        for problem in err.problems:
            st.markdown(f"- {md_escape(problem)}")
        suggestion = _slug(scenario_id)
        if suggestion and suggestion != scenario_id:
            st.caption(md_escape(f"Suggested id: {suggestion}"))
        return None
    result, _ = stats_for(variant, baseline)
    cols = st.columns(len(result.by_control) + 1)
    for col, row in zip(cols, result.by_control.itertuples(), strict=False):
        control_metric(col, row)
    bal = result.balance
    # The same net as the map page and the CLI: gained minus everything that leaves
    # Ukrainian control (a demilitarized zone too), from stats.Balance.
    cols[-1].metric(
        NET_UKRAINE_LABEL,
        f"{bal.net_ukraine_km2:+,.0f} km²",
        f"{bal.net_ukraine_population:+,.0f} people (pre-war)",
        delta_color="off",
        delta_arrow="off",
    )
    st.download_button(
        "Download scenario file (.toml)",
        data=text.encode("utf-8"),
        file_name=f"{variant.id}.toml",
        mime="application/toml",
        key=f"{key}_download",
        on_click="ignore",
        type="primary",
    )
    return variant
