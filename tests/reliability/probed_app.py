"""The real `gendiff-gui` program, with one line on stderr when a sampling worker starts and when it ends.

Used by test_training.py to close the program while it samples: `python probed_app.py [gendiff-gui flags]`.
Nothing else changes: the entry point, the flags and the shutdown path are the program's own.
"""
from __future__ import annotations

import sys


def main() -> None:
    from gendiff_gui.diffusion import sampling_job

    work = sampling_job.SamplingWorker.work

    def announced_work(self) -> None:
        print("probe: sampling started", file=sys.stderr, flush=True)
        try:
            work(self)
        finally:
            print("probe: sampling ended", file=sys.stderr, flush=True)

    sampling_job.SamplingWorker.work = announced_work
    from gendiff_gui.__main__ import main as gendiff_gui_main

    gendiff_gui_main(sys.argv[1:])


if __name__ == "__main__":
    main()
