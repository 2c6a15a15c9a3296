"""The lessons: the catalogue, the runner that opens one, the start page and the caption."""
