"""The user's own data: a folder of images with one subfolder per class, or a .csv / .npy of 2-D points.

`registry.load_own(path)` reads one (caps checked before anything is decoded, bad files skipped and listed) and
registers it under its name (the resolved path), which is what `ExperimentConfig.dataset` holds; from then on
`core.data.load_dataset(name)` gives its train and test splits like any bundled set.
"""
