"""Coding sheets: a spreadsheet a person fills in, read back as reviews (docs/sheets.md).

Researchers code sites in a spreadsheet; that is how the reference study was done and how many
teams will keep working. ``export_sheet`` writes one row per site and one column per criterion,
with the machine's verdict and evidence beside each empty cell; ``import_sheet`` validates a filled
sheet completely before storing anything, then stores every coded cell as a review. A study coded
without any crawl (or only its channel table) becomes a *hand-coded* audit with the same tables.
"""

from govlens.sheets.export import export_sheet, write_sheet
from govlens.sheets.handcoded import hand_coded_audit
from govlens.sheets.importer import (
    ImportResult,
    SheetError,
    import_sheet,
    parse_verdict,
    read_table,
    sheet_kind,
)

__all__ = [
    "ImportResult",
    "SheetError",
    "export_sheet",
    "hand_coded_audit",
    "import_sheet",
    "parse_verdict",
    "read_table",
    "sheet_kind",
    "write_sheet",
]
