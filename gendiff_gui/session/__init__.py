"""The experiment on screen and the background work on it: training session, jobs and workers, the CPU network copy."""
