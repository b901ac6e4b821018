"""Extract stage: archived records → facts the criteria are assessed on.

``extract_page`` reads one record (HTML, PDF, other); ``extract_site`` reads a whole SiteCapture,
adds link health from every fetch, and upgrades links whose fetched target turned out to be a
document.
"""

from govlens.extract.page import extract_page
from govlens.extract.site import build_link_checks, extract_site

__all__ = ["build_link_checks", "extract_page", "extract_site"]
