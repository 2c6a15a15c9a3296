"""Store freshly measured held-out metrics in bundled checkpoints without retraining them (same weights, same format).

    python scripts/remeasure_bundled_models.py moons-ddpm swiss-roll-ddpm       # runs core.evaluation.evaluate
    python scripts/remeasure_bundled_models.py --from-eval-json LOG             # lines of `gendiff eval --json`

For when the evaluation itself changes (issue 16: the 2-D energy distances average 4 blocks of samples), so that
`gendiff info` and tests/test_bundled_models.py see the numbers today's `gendiff eval` prints.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from core.paths import MODELS_DIR  # noqa: E402


def store(path: Path, metrics: dict[str, float]) -> None:
    """Rewrite `path` with the same weights, config and metadata but `metrics` (atomic, like every save)."""
    ckpt = load_checkpoint(path)
    meta = dict(ckpt.metadata)
    meta["metrics"] = metrics
    save_checkpoint(path, ckpt.state, ckpt.config, meta)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="bundled model names (file stems) to measure and store")
    parser.add_argument("--from-eval-json", type=Path, help="store the metrics of these `gendiff eval --json` lines")
    args = parser.parse_args()
    if args.from_eval_json:
        for line in args.from_eval_json.read_text().splitlines():
            if line.startswith("{"):
                result = json.loads(line)
                path = ROOT / result["checkpoint"]
                store(path, result["metrics"])
                print(f"{path.name}: {result['metrics']}")
    from core.evaluation import evaluate, round_metrics
    from core.experiment import Experiment

    for name in args.names:
        path = MODELS_DIR / f"{name}.safetensors"
        exp = Experiment.from_checkpoint(path)
        metrics = round_metrics(evaluate(exp, seed=exp.config.seed))
        store(path, metrics)
        print(f"{path.name}: {metrics}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
