"""Entry point of the `gendiff-gui` console script (and `python -m gendiff_gui`)."""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from gendiff_gui.app import run

    code = run(sys.argv[1:] if argv is None else argv)
    # The window has saved the settings and stopped and joined every job (or gave up on one stuck in a call that
    # cannot be interrupted, like a dataset load). Leave without the interpreter's teardown of torch and Qt:
    # it takes seconds on a busy 2-core laptop and would destroy a still-running QThread (an abort).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
