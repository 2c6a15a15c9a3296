"""Quality figures for generated images: the Frechet distance in the bundled digit classifier's features."""
from core.quality.frechet import (FCD_SAMPLES, classifier_features, frechet_classifier_distance,
                                  frechet_distance)

__all__ = ["FCD_SAMPLES", "classifier_features", "frechet_classifier_distance", "frechet_distance"]
