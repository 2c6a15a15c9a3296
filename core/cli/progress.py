"""Progress bars (tqdm) on stderr for the command line's long loops, shown only when stderr is a terminal."""
from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: float | None, *, enabled: bool = True, **kwargs) -> tqdm:
    """A tqdm bar writing to stderr; disabled (every call a no-op) unless `enabled` and stderr is a TTY, so
    --json, --quiet, pipes and log files get no bar. kwargs go to tqdm (desc, unit, initial, bar_format...)."""
    return tqdm(total=total, file=sys.stderr, disable=not enabled or not sys.stderr.isatty(), dynamic_ncols=True,
                **kwargs)
