"""STEP through the optional ``cascadio`` extra (OpenCASCADE), which tessellates it into GLB.

cascadio writes glTF, whose unit is the metre, whatever the STEP file declared: a 127 mm part
comes back 0.127 long, and the loader scales it back to millimetres.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from jbp.errors import Location

from .errors import ModelError

STEP_EXTRA_MISSING = "reading STEP needs the optional extra: pip install 'jbp[step]'"


def step_to_glb(path: Path) -> bytes:
    """Tessellate the STEP file at ``path`` into GLB bytes (metres), or raise :class:`ModelError`."""
    where = Location(file=str(path))
    try:
        import cascadio
    except ImportError as error:
        raise ModelError(STEP_EXTRA_MISSING, where) from error
    with tempfile.TemporaryDirectory(prefix="jbp-step-") as scratch:
        glb_path = Path(scratch) / "model.glb"
        # step_to_glb (rather than the newer bytes API) works on every cascadio release we allow
        status = cascadio.step_to_glb(str(path), str(glb_path))
        glb = glb_path.read_bytes() if glb_path.exists() else b""
    if status != 0 or not glb:
        raise ModelError("OpenCASCADE could not read this STEP file (corrupt, or not a solid model)", where)
    return glb
