"""The auto-encoder half: the latent map, what decodes from it, dropped images, the PCA baseline."""
