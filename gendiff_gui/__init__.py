"""gendiff's desktop program: a Qt window that trains auto-encoders and diffusion models live, with thin numpy views."""
from gendiff_gui import pyside_refcount  # noqa: F401  (first: guards every later PySide call)
from gendiff_gui import pyside_source_check  # noqa: F401  (next: before torch's modules are imported)
