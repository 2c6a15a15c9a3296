"""The latent panel's views (numpy in, pictures out)."""
