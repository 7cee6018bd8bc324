"""The one error a 3D model file raises when it cannot be taken in."""

from __future__ import annotations

from jbp.errors import DataError


class ModelError(DataError):
    """A CAD/mesh file that is unreadable, hostile, empty or too big; nothing of it is kept."""
