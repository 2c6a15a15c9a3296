"""The diffusion half: the scrubber panel, its sampling runs, trajectories and exports."""
