"""Live loss curves and their flat-memory history."""
