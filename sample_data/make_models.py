"""Write the sample 3D models in sample_data/models/: binary STL bearings named by their SKUs in
bearings_fasteners_bmecat.xml, for `jbp model add-dir sample_data/models --match "{sku}.stl"`.

- HGT-6200, HGT-6204, HGT-6205: drawn in mm at their datasheet sizes (bore × outer diameter × width);
- HGT-6205-2RS: the very same file as HGT-6205 (a family shares one model: stored once);
- HGT-6206: drawn in metres, as some CAD exports are (its unit is recognised from the datasheet);
- HGT-6305: deliberately wrong, drawn at the size of a 6205 (52 mm, not 62 mm), so that
  `jbp model check` has something to report.

Run: .venv/bin/python sample_data/make_models.py (the output is the same bytes every time).
"""

from __future__ import annotations

from pathlib import Path

import trimesh

HERE = Path(__file__).resolve().parent
SECTIONS = 64  # 512 triangles, about 25 KB per file

# file name -> (bore, outer diameter, width) in mm as drawn, and the scale it is written at
MODELS = {
    "HGT-6200": ((10.0, 30.0, 9.0), 1.0),
    "HGT-6204": ((20.0, 47.0, 14.0), 1.0),
    "HGT-6205": ((25.0, 52.0, 15.0), 1.0),
    "HGT-6205-2RS": ((25.0, 52.0, 15.0), 1.0),
    "HGT-6206": ((30.0, 62.0, 16.0), 0.001),
    "HGT-6305": ((25.0, 52.0, 15.0), 1.0),  # the datasheet says 25 × 62 × 17
}


def bearing_stl(bore: float, outer: float, width: float, scale: float) -> bytes:
    """A deep-groove ball bearing as a plain closed ring, axis along Z, as binary STL."""
    ring = trimesh.creation.annulus(r_min=bore / 2, r_max=outer / 2, height=width, sections=SECTIONS)
    ring.apply_scale(scale)
    return ring.export(file_type="stl")


def main() -> None:
    folder = HERE / "models"
    folder.mkdir(exist_ok=True)
    for sku, (size, scale) in MODELS.items():
        path = folder / f"{sku}.stl"
        path.write_bytes(bearing_stl(*size, scale))
        print(f"wrote {path.relative_to(HERE)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
