"""`python -m core.cli ...` runs the `gendiff` command line."""
import sys

from core.cli.main import main

sys.exit(main())
