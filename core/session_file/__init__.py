"""Session files: the model, its optimiser, the user's data and the view state in one safetensors file (no pickle).

`format.write_session` / `format.read_session` store a `content.SessionContent` through core.checkpoint's one
hardened mechanism (atomic write; a load that reads only the header and raw tensor bytes and checks every value),
tagged "gendiff-session"; `restore.experiment_from_session` rebuilds the experiment it describes.
"""
