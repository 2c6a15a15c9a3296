"""Latent diffusion: a diffusion model over the standardised codes of a frozen auto-encoder, decoded by its decoder."""
