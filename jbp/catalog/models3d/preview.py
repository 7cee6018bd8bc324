"""PNG thumbnails of a model drawn in software (numpy + Pillow): no GPU, no display, same in CI.

An orthographic isometric-ish view (Z up), faces painted far to near (painter's algorithm) with
flat Lambert shading from a key light, a fill light and ambient light, drawn at twice the size
and reduced for anti-aliasing. Back faces are culled where the winding is consistent (sorting by mean
depth alone lets long thin back faces win over front ones); meshes with mixed winding are drawn
whole and lit on both sides.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image, ImageDraw

from .errors import ModelError

AZIMUTH_DEGREES = 35.0
ELEVATION_DEGREES = 25.0
MARGIN = 0.06
SUPERSAMPLE = 2
BACKGROUND = (246, 247, 249)
STEEL = np.array([168.0, 186.0, 210.0])
AMBIENT, KEY, FILL = 0.32, 0.68, 0.16
_BRIGHTEST = AMBIENT + KEY + FILL
_SHADES = 254
_BACKGROUND_INDEX = _SHADES + 1


def render_png(mesh: trimesh.Trimesh, size: int = 512, path: str | Path | None = None) -> bytes:
    """Render ``mesh`` as a ``size``×``size`` PNG; returns the PNG bytes and writes them to ``path``."""
    if len(mesh.faces) == 0:
        raise ModelError("cannot draw a model with no faces")
    right, up, towards_camera = _camera_axes()
    canvas = size * SUPERSAMPLE
    corners = _fit_to_canvas(mesh.vertices @ np.column_stack([right, up]), canvas)[mesh.faces]
    normals = mesh.face_normals
    if mesh.is_watertight and _signed_volume(mesh) < 0:
        normals = -normals  # inside out
    facing = normals @ towards_camera
    if mesh.is_winding_consistent:
        shown = np.flatnonzero(facing > 0)
    else:
        shown = np.arange(len(mesh.faces))
        normals = normals * np.where(facing < 0, -1.0, 1.0)[:, None]
    depth = (mesh.vertices @ towards_camera)[mesh.faces[shown]].mean(axis=1)
    order = shown[np.argsort(depth, kind="stable")]  # farthest first
    shades = _shade(normals[order], right, up, towards_camera)
    # a palette image: one small integer per face is the cheapest ink Pillow takes
    image = Image.new("P", (canvas, canvas), _BACKGROUND_INDEX)
    image.putpalette(_palette())
    draw = ImageDraw.Draw(image)
    # Pillow rounds polygon corners to whole pixels anyway; integers convert to Python faster
    points = np.rint(corners[order]).astype(np.int32).reshape(-1, 6).tolist()
    for triangle, shade in zip(points, shades, strict=True):
        # the outline closes hairline gaps between neighbouring triangles
        draw.polygon(triangle, fill=shade, outline=shade)
    image = image.convert("RGB").reduce(SUPERSAMPLE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    png = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(png)
    return png


def _camera_axes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Screen right, screen up and the direction towards the camera, for a Z-up world."""
    azimuth, elevation = np.radians(AZIMUTH_DEGREES), np.radians(ELEVATION_DEGREES)
    towards_camera = np.array(
        [np.sin(azimuth) * np.cos(elevation), -np.cos(azimuth) * np.cos(elevation), np.sin(elevation)]
    )
    right = np.array([np.cos(azimuth), np.sin(azimuth), 0.0])
    up = np.cross(towards_camera, right)
    return right, up, towards_camera


def _fit_to_canvas(projected: np.ndarray, canvas: int) -> np.ndarray:
    """Scale and centre 2D points to fill the canvas less its margin; image y grows downwards."""
    low, high = projected.min(axis=0), projected.max(axis=0)
    span = max(float((high - low).max()), 1e-12)
    scale = canvas * (1 - 2 * MARGIN) / span
    centred = (projected - (low + high) / 2) * scale
    return np.column_stack([canvas / 2 + centred[:, 0], canvas / 2 - centred[:, 1]])


def _shade(normals: np.ndarray, right: np.ndarray, up: np.ndarray, towards_camera: np.ndarray) -> list[int]:
    """Palette index of each face's brightness."""
    key = _unit(-0.35 * right + 0.95 * up + 0.45 * towards_camera)  # above, a little left, in front
    fill = _unit(0.70 * right - 0.20 * up + 0.50 * towards_camera)  # lower right
    light = AMBIENT + KEY * np.clip(normals @ key, 0, None) + FILL * np.clip(normals @ fill, 0, None)
    return np.rint(light / _BRIGHTEST * _SHADES).astype(np.int32).tolist()


def _palette() -> list[int]:
    """Steel from darkest to brightest in indices 0.._SHADES, then the background."""
    levels = np.linspace(0, _BRIGHTEST, _SHADES + 1)[:, None] * STEEL
    colours = np.vstack([np.clip(levels, 0, 255), [BACKGROUND]]).astype(np.uint8)
    return colours.ravel().tolist()


def _signed_volume(mesh: trimesh.Trimesh) -> float:
    """Volume with its sign (negative: faces point inwards), without trimesh's full mass properties."""
    a, b, c = (mesh.vertices[mesh.faces[:, corner]] for corner in range(3))
    return float(np.einsum("ij,ij->", a, np.cross(b, c))) / 6


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)
