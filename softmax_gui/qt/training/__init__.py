"""Training runs: the panel, Start/Pause/Step/Stop, the runs in memory, the worker thread."""
