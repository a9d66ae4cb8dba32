"""Small helpers for validation messages, shared by the scenario parser and the area parser."""

from __future__ import annotations

import math
from typing import TypeGuard

__all__ = ["MAX_ABS_NUMBER", "is_number", "short", "type_name"]

#: Largest magnitude a number in a scenario may have (2^64 or a 5,000-digit integer is a
#: validation error naming the field, not an overflow deep in numpy).
MAX_ABS_NUMBER = 1e12


def is_number(value: object) -> TypeGuard[int | float]:
    """Return whether ``value`` is a finite number of sane size (bool is not a number here)."""
    # bool is an int subclass in Python, but `true` is never a width.
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_ABS_NUMBER
    return math.isfinite(value) and abs(value) <= MAX_ABS_NUMBER


def short(value: object, limit: int = 40) -> str:
    """Quote a user value for a message, cut so that a huge value cannot flood it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def type_name(value: object) -> str:
    """Name a parsed TOML value's type as a message says it: "a string", "a table"..."""
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
        str: "a string",
    }.get(type(value), type(value).__name__)
