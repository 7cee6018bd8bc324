"""Finding and creating a workspace: a folder with `jbp.toml`, the embedded database and derived files.

A command finds its workspace from `-w DIR`, else `JBP_WORKSPACE`, else by walking up from the current
directory, the way git finds its repository.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from jbp.errors import WorkspaceError
from jbp.store.reader import Reader, SqliteReaders, sqlite_file

if TYPE_CHECKING:
    from jbp.store import Store

CONFIG_NAME = "jbp.toml"
DEFAULT_DB_URL = "sqlite:///jbp.db"
SUBDIRS = ("index", "blobs", "outbox")

_CONFIG_TEMPLATE = """\
# jbp workspace. db_url may point at PostgreSQL for a team (postgresql://user:password@host/db);
# JBP_DB overrides it. A relative SQLite path is relative to this folder.
db_url = {db_url}

[search]
engine = "fts5"  # or "whoosh"
"""


@dataclass
class Workspace:
    root: Path
    config: dict = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def db_url(self) -> str:
        url = os.environ.get("JBP_DB") or self.config.get("db_url") or DEFAULT_DB_URL
        return _resolve_sqlite_path(url, self.root)

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def blobs_dir(self) -> Path:
        return self.root / "blobs"

    @property
    def outbox_dir(self) -> Path:
        return self.root / "outbox"

    @cached_property
    def store(self) -> Store:
        """The workspace's store, checked to be at this jbp's schema version."""
        from jbp.store import Store  # SQLAlchemy: only for the commands that need more than plain reads

        store = Store(self.db_url)
        store.check_version()
        return store

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        """A connection for plain-SQL reads (jbp.store.reader) at this jbp's schema version; a SQLite file is
        read through sqlite3 itself, so a command that only reads starts without SQLAlchemy."""
        if self._sqlite_readers is None:
            with self.store.reading() as conn:
                yield Reader.of(conn)
        else:
            yield self._sqlite_readers.reader()

    @cached_property
    def _sqlite_readers(self) -> SqliteReaders | None:
        path = sqlite_file(self.db_url)
        return SqliteReaders(path, self.db_url) if path else None

    def setting(self, section: str, key: str, default=None):
        return self.config.get(section, {}).get(key, default)


def _resolve_sqlite_path(url: str, root: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((root / url[len(prefix):]).resolve())
    return url


def load_workspace(root: Path) -> Workspace:
    """The workspace whose `jbp.toml` is in `root`."""
    config_path = root / CONFIG_NAME
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{root} is not a jbp workspace (no {CONFIG_NAME}); run `jbp init`") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{config_path}: {exc}") from exc
    return Workspace(root=root.resolve(), config=config)


def find_workspace(explicit: Path | str | None = None, start: Path | None = None) -> Workspace:
    """`explicit` (-w), else JBP_WORKSPACE, else the nearest folder upward holding `jbp.toml`."""
    chosen = explicit or os.environ.get("JBP_WORKSPACE")
    if chosen:
        return load_workspace(Path(chosen))
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_workspace(folder)
    raise WorkspaceError(
        f"no jbp workspace in {here} or above it: run `jbp init DIR`, pass -w DIR or set JBP_WORKSPACE")


def init_workspace(root: Path | str, db_url: str | None = None) -> Workspace:
    """Create `root/jbp.toml`, its folders and the database at the current schema version."""
    from jbp.store import Store

    root = Path(root)
    if (root / CONFIG_NAME).exists():
        raise WorkspaceError(f"{root} is already a jbp workspace")
    root.mkdir(parents=True, exist_ok=True)
    for name in SUBDIRS:
        (root / name).mkdir(exist_ok=True)
    url = db_url or DEFAULT_DB_URL
    (root / CONFIG_NAME).write_text(_CONFIG_TEMPLATE.format(db_url=_toml_string(url)), encoding="utf-8")
    workspace = load_workspace(root)
    store = Store(workspace.db_url)
    try:
        store.upgrade()
    finally:
        store.close()
    return workspace


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
