"""One line for a validation error, naming the field: what every bad-input message needs."""

from __future__ import annotations

from pydantic import ValidationError


def first_error(exc: ValidationError, whole: str = "") -> str:
    """ "field 'loc': message" for the first error of a pydantic validation; ``whole`` names
    what an error about no single field is about (a dataset's "line")."""
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err["loc"]) or whole
    return f"field '{loc}': {err['msg']}"
