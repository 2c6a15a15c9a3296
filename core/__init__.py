"""gendiff's engine: data, models, noise processes, training and sampling in plain PyTorch (no Qt)."""

__all__ = ["__version__"]
__version__ = "0.1.0"
