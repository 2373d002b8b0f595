"""The one error the catalogue services raise for input a librarian can fix."""
from __future__ import annotations


class CatalogueError(ValueError):
    """A short Chinese message for the librarian, and the form field it concerns ("" = the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field
