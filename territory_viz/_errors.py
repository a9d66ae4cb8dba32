"""Exceptions raised on bad input; each message names the file, the field and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable


class TerritoryVizError(Exception):
    """Base class of every error territory_viz raises on purpose."""


class DataFileError(TerritoryVizError):
    """A committed data file is missing or corrupt.

    Parameters
    ----------
    path
        The file concerned.
    problem
        What is wrong with it, in one sentence.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ValidationError(TerritoryVizError, ValueError):
    """One or more problems found in user input; all are collected before raising.

    Parameters
    ----------
    source
        What was validated: a file name, ``"<upload>"``, ``"--baseline"``...
    problems
        One line per problem, each naming the field and what is allowed.
    """

    def __init__(self, source: object, problems: Iterable[str]) -> None:
        self.source = str(source)
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("ValidationError needs at least one problem")
        if len(self.problems) == 1:
            text = f"{self.source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"{self.source}: {len(self.problems)} problems\n{lines}"
        super().__init__(text)
