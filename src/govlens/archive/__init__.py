"""The evidence store: WARC files written per site by the crawler, read back offline.

Public API: :func:`read_records`, :func:`read_site_statuses`, :func:`group_sites`,
:class:`WarcSiteWriter` (see docs/architecture.md for the WARC conventions).
"""

from govlens.archive.grouping import (
    SiteEntry,
    classify_response,
    group_sites,
    infer_status,
    newest_by_url,
    portfolio_sites,
)
from govlens.archive.reader import expand_paths, read_records, read_site_statuses, scan_file
from govlens.archive.writer import WarcSiteWriter, next_part_path, site_parts

__all__ = [
    "SiteEntry",
    "WarcSiteWriter",
    "classify_response",
    "expand_paths",
    "group_sites",
    "infer_status",
    "newest_by_url",
    "next_part_path",
    "portfolio_sites",
    "read_records",
    "read_site_statuses",
    "scan_file",
    "site_parts",
]
