"""The caps on a user's own data set, the one error they raise, and the one message listing skipped files."""
from __future__ import annotations

MAX_CLASSES = 100  # a folder with more class subfolders is refused before any file is read
MAX_IMAGES = 60_000  # image files in one folder (MNIST's training set)
MAX_TOTAL_BYTES = 2 * 1024**3  # the image files' total size
MAX_POINT_FILE_BYTES = 200 * 1024**2
MAX_POINTS = 1_000_000
MIN_POINTS = 10
TEST_FRACTION = 1 / 6  # held out, per class, seeded (MNIST holds out 10,000 of 70,000)
SHOWN_NAMES = 3  # skipped files named in a message; the rest are counted


class OwnDataError(ValueError):
    """A folder or points file that cannot become a data set: one line a person can read."""


def skipped_message(skipped: list[str] | tuple[str, ...], total: int, what: str = "files") -> str:
    """'Skipped 2 of 60 files: a.png (why); b.jpg (why)' (the first few named, the others counted); '' if none."""
    if not skipped:
        return ""
    shown = "; ".join(skipped[:SHOWN_NAMES])
    more = f"; and {len(skipped) - SHOWN_NAMES} more" if len(skipped) > SHOWN_NAMES else ""
    return f"Skipped {len(skipped)} of {total} {what}: {shown}{more}."


def gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1024**3:.1f} GB" if n_bytes >= 1024**3 else f"{n_bytes / 1024**2:.0f} MB"
