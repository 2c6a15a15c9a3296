"""The command line `gendiff` (train, eval, encode, sample, info): the same engine as the window, headless."""
from core.cli.main import main
from core.errors import EXIT_BAD_INPUT

__all__ = ["main", "EXIT_BAD_INPUT"]
