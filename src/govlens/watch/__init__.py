"""Availability over time: ``govlens watch`` checks every site and service of a portfolio at an
interval with one cheap request each (HEAD, GET fallback, small body cap), records every check as
WARC records and as a row in the ``checks`` table, and keeps each target's confirmed state in
``target_state`` so a restarted watch resumes with its "down since" times (docs/watch.md).

It is not a crawl: a round costs one request (plus redirects) per target, so it can run every few
minutes for days beside the audits it complements.
"""

from govlens.watch.check import CheckResult, check_target, classify
from govlens.watch.config import WatchConfig
from govlens.watch.runner import RoundResult, Watcher
from govlens.watch.state import Change, TargetState, advance
from govlens.watch.targets import Target, build_targets

__all__ = [
    "Change",
    "CheckResult",
    "RoundResult",
    "Target",
    "TargetState",
    "WatchConfig",
    "Watcher",
    "advance",
    "build_targets",
    "check_target",
    "classify",
]
