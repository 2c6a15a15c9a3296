"""UserError: a problem with what the user asked for, which the command line prints as one line (exit status 2)."""
from __future__ import annotations

EXIT_BAD_INPUT = 2


class UserError(Exception):
    """A problem with what the user asked for: printed as one line on stderr, exit status 2."""
