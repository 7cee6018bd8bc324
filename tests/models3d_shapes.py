"""Catalog-shaped test parts built in code, in millimetres (used by tests and benchmarks)."""

from __future__ import annotations

import numpy as np
import trimesh


def deep_groove_bearing(bore: float = 25.0, outer: float = 52.0, width: float = 15.0,
                        sections: int = 128) -> trimesh.Trimesh:
    """A 6205-sized bearing as a plain ring (annulus), axis along Z."""
    return trimesh.creation.annulus(r_min=bore / 2, r_max=outer / 2, height=width, sections=sections)


def socket_head_cap_screw(thread: float = 8.0, head: float = 13.0, head_height: float = 8.0,
                          socket: float = 6.0, socket_depth: float = 4.0, length: float = 30.0,
                          sections: int = 96) -> trimesh.Trimesh:
    """An ISO 4762 M8×30-sized screw: head with a hexagonal socket, plain shaft, axis along Z,
    underside of the head at z=0. One closed surface swept ring by ring (no booleans needed)."""
    assert sections % 12 == 0, "rings must hit the hexagon corners and the four bbox extremes"
    angles = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    # the hexagon boundary at each ring angle: corners every 60°, flats facing 30° + k·60°
    hexagon = (socket / 2) / np.cos((angles - np.pi / 6) % (np.pi / 3) - np.pi / 6)
    circle = np.ones_like(angles)
    chamfer = 0.4
    cone = 0.3 * socket  # the drill point at the bottom of the socket
    profile = [  # (radius per angle, z): from the socket's tip, out over the head, down the shaft
        (hexagon, head_height - socket_depth),
        (hexagon, head_height),
        (circle * (head / 2 - chamfer), head_height),
        (circle * head / 2, head_height - chamfer),
        (circle * head / 2, 0.0),
        (circle * thread / 2, 0.0),
        (circle * thread / 2, -length + chamfer),
        (circle * (thread / 2 - chamfer), -length),
    ]
    return _swept_surface(angles, profile, tip_z=head_height - socket_depth - cone, end_z=-length)


def _swept_surface(angles: np.ndarray, profile: list[tuple[np.ndarray, float]], tip_z: float,
                   end_z: float) -> trimesh.Trimesh:
    """Stitch rings of equal size into quads, closing both ends with a fan to a centre point."""
    count = len(angles)
    rings = [np.column_stack([radius * np.cos(angles), radius * np.sin(angles), np.full(count, z)])
             for radius, z in profile]
    vertices = np.vstack([[0.0, 0.0, tip_z], *rings, [0.0, 0.0, end_z]])
    last = len(vertices) - 1
    index = np.arange(count)
    following = (index + 1) % count
    faces = [np.column_stack([np.zeros(count, int), 1 + following, 1 + index])]
    for ring in range(len(rings) - 1):
        a, b = 1 + ring * count, 1 + (ring + 1) * count
        faces.append(np.column_stack([a + index, a + following, b + following]))
        faces.append(np.column_stack([a + index, b + following, b + index]))
    tail = 1 + (len(rings) - 1) * count
    faces.append(np.column_stack([tail + index, tail + following, np.full(count, last)]))
    mesh = trimesh.Trimesh(vertices, np.vstack(faces))
    if mesh.volume < 0:
        mesh.invert()
    return mesh
