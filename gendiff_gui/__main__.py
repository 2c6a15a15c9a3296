"""Entry point of the `gendiff-gui` console script (and `python -m gendiff_gui`)."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from gendiff_gui.app import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
