"""Where the bundled resources (datasets, pretrained models) live on disk."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = PROJECT_ROOT / "resources"
DATA_DIR = RESOURCES / "data"
MODELS_DIR = RESOURCES / "models"
