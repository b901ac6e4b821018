"""Find an archived record for the dashboard's "as captured" view.

A record is served only when the audit database names it (a page row or an evidence row): the
viewer is not a general WARC browser, and a guessed record id cannot reach anything else. The WARC
file is looked for by its bare file name in the configured archive folders and beside the paths
the audit recorded; the parsed records of the few most recently used files are kept in memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, or_, select

from govlens.archive import scan_file
from govlens.store.models import AuditRow, EvidenceRow, PageRow
from govlens.types import ArchivedRecord

A = AuditRow.__table__
P = PageRow.__table__
E = EvidenceRow.__table__

HTML_TYPES = ("text/html",)
TEXT_TYPES = ("text/plain", "text/csv", "text/css", "application/json", "text/xml", "application/xml")


def record_key(record_id: str) -> str:
    """The id as it goes in a URL path: ``urn:uuid:...`` without the angle brackets of WARC."""
    return record_id.strip().strip("<>")


class ArchiveIndex:
    def __init__(self, engine: Engine, archive_dirs: Iterable[Path] = (), max_files: int = 8) -> None:
        self.engine = engine
        self.archive_dirs = [Path(d) for d in archive_dirs]
        self.max_files = max_files
        self._files: OrderedDict[Path, dict[str, ArchivedRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def warc_file_of(self, key: str) -> str | None:
        """The WARC file name the database gives for a record, or None when it names no such record."""
        ids = (f"<{key}>", key)
        with self.engine.connect() as conn:
            for table in (P, E):
                row = conn.execute(
                    select(table.c.warc_file)
                    .where(or_(*(table.c.warc_record_id == i for i in ids)))
                    .where(table.c.warc_file != "")
                    .limit(1)
                ).first()
                if row:
                    return row.warc_file
        return None

    def _dirs(self) -> list[Path]:
        dirs = list(self.archive_dirs)
        with self.engine.connect() as conn:
            for (archives,) in conn.execute(select(A.c.archives)):
                for p in archives or []:
                    parent = Path(str(p)).parent
                    if parent not in dirs:
                        dirs.append(parent)
        db = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if db and db != ":memory:":
            d = Path(db).resolve().parent / "archive"
            if d not in dirs:
                dirs.append(d)
        return dirs

    def find_path(self, warc_file: str) -> Path | None:
        name = Path(warc_file).name
        if not name or name != warc_file or name in (".", ".."):
            return None  # a file name only: never a path the database could steer elsewhere
        for d in self._dirs():
            p = d / name
            if p.is_file():
                return p
        return None

    def get(self, key: str) -> ArchivedRecord | None:
        warc_file = self.warc_file_of(key)
        if warc_file is None:
            return None
        path = self.find_path(warc_file)
        if path is None:
            return None
        with self._lock:
            records = self._files.get(path)
            if records is not None:
                self._files.move_to_end(path)
        if records is None:
            records = {record_key(r.record_id): r for r in scan_file(path).records}
            with self._lock:
                self._files[path] = records
                while len(self._files) > self.max_files:
                    self._files.popitem(last=False)
        return records.get(key)
