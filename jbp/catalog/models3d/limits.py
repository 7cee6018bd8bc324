"""Size limits for model files, so a hostile or runaway file is refused before it costs memory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelLimits:
    """Ceilings a model must stay under; every refusal names the limit it hit."""

    max_faces: int = 2_000_000
    max_file_bytes: int = 256 * 1024 * 1024
    # archives (3MF, zipped glTF): what their members may expand to
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_archive_members: int = 1_000
