"""The diffusion panel's views (numpy in, pictures out)."""
