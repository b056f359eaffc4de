"""Problems with a study area's inputs as a list the app shows one by one, as plain text."""

from __future__ import annotations

from geo.errors import ValidationError

__all__ = ["problem_lines"]  # shown through geo.safety.plain_markdown, the one escape for Markdown


def problem_lines(err: BaseException) -> list[str]:
    """One message per problem: each :class:`~geo.errors.InputProblem` of a
    :class:`~geo.errors.ValidationError`, else each non-empty line of the message.

    >>> from pathlib import Path
    >>> from geo.errors import InputProblem
    >>> problem_lines(ValidationError([InputProblem(Path("a.csv"), "is empty"),
    ...                                InputProblem(Path("b.csv"), "not a number", column="eligible", rows=(3, 4))]))
    ['a.csv: is empty', "b.csv: rows 3-4: column 'eligible': not a number"]
    """
    if isinstance(err, ValidationError):
        return [str(p) for p in err.problems] or [type(err).__name__]
    return [line.strip() for line in str(err).splitlines() if line.strip()] or [type(err).__name__]
