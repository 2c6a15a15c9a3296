"""The benchmarks' one way to print a result: one JSON line (`--json`), or one aligned `key: value` line per figure."""
from __future__ import annotations

import json


def print_result(result: dict, as_json: bool, width: int = 24) -> None:
    """`result` as one JSON line, or as `key: value` lines with the keys right-aligned to `width` characters."""
    if as_json:
        print(json.dumps(result), flush=True)
        return
    for key, value in result.items():
        print(f"{key:>{width}}: {value}", flush=True)
