"""Whether a category's selection index still reflects the store, checked on every query, and rebuilt when not.

Never an answer from an index behind the store: a missing, unreadable or stale index is rebuilt first
(or, when the caller forbids that, StaleIndexError says to run `jbp index rebuild`). The builder is imported
only when the check needs it: a `jbp select` process that finds its index current runs without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jbp.catalog.indexes import StaleIndexError
from jbp.catalog.selection.columnar import CategoryIndex, open_category, write_manifest
from jbp.catalog.selection.specs import CategorySpec
from jbp.store import selection_rows

if TYPE_CHECKING:
    from jbp.store.reader import Reader
    from jbp.workspace import Workspace


def staleness(index: CategoryIndex | None, spec: CategorySpec, now: dict, conn: Reader) -> str | None:
    """Why the index cannot answer for the store as it is now, or None when it can.

    Cheap first: the parameter definitions and the stamp (newest import run and product change in the
    store, the category's highest product id). A newer import or change alone may concern other
    categories only, so then the products' content hashes decide; when they match, the manifest is
    re-stamped and the next query takes the cheap path again. (A product removed without an import
    shows up as a missing row of a result page: see `selecting.select`.)
    """
    if index is None:
        return "missing"
    manifest = index.manifest
    if manifest["category"]["id"] != spec.id or manifest["params_digest"] != spec.digest:
        return "parameter definitions changed"
    built = manifest["stamp"]
    if now["max_id"] != built["max_id"]:
        return "products added"
    if (now["import_run"], now["updated_at"]) == (built["import_run"], built["updated_at"]):
        return None
    from jbp.catalog.selection.build import content_digest

    if content_digest(selection_rows.content_hashes(conn, spec.id)) != manifest["content_digest"]:
        return "products changed"
    try:
        write_manifest(index.path, {**manifest, "stamp": now})
    except OSError:
        pass  # a read-only index still answers; it is only verified again next time
    return None


def current_index(workspace: Workspace, spec: CategorySpec, stamp: dict, conn: Reader,
                  *, rebuild: bool = True) -> tuple[CategoryIndex, str | None]:
    """The category's index, rebuilt first when missing or stale (or StaleIndexError when `rebuild` is
    False); the second item says why it was rebuilt."""
    index = open_category(workspace.index_dir, spec.code)
    problem = staleness(index, spec, stamp, conn)
    if problem is None:
        return index, None
    return rebuilt_index(workspace, spec.code, "missing" if index is None else f"stale ({problem})",
                         rebuild=rebuild)


def rebuilt_index(workspace: Workspace, code: str, state: str, *, rebuild: bool = True) -> tuple[CategoryIndex, str]:
    """The category's index rebuilt because it is `state`, or StaleIndexError when `rebuild` is False."""
    if not rebuild:
        raise StaleIndexError(f"the selection index of {code} is {state}: run `jbp index rebuild`")
    from jbp.catalog.selection.build import build_category

    try:
        return (build_category(workspace.store, workspace.index_dir, code),
                f"selection index of {code} rebuilt: it was {state}")
    except OSError as exc:
        raise StaleIndexError(f"the selection index of {code} is {state} and cannot be rebuilt here ({exc}): "
                              "run `jbp index rebuild` where the workspace is writable") from exc
