"""Portfolio: which organisations, which sites, which declared channels and services.

The portfolio is the one input a user writes by hand, so it is the one place where errors must be
explained best: every problem names the file, the line (YAML) or row (CSV), the field and what is
expected, and nothing runs until the whole file is valid.
"""

from govlens.portfolio.loader import PortfolioError, load_portfolio, portfolio_json_schema

__all__ = ["PortfolioError", "load_portfolio", "portfolio_json_schema"]
