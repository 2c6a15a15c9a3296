"""The latent diffusion panel: the reverse run in an auto-encoder's code space, drawn on its latent map (lesson 9)."""
