"""The terminal and the first steps: progress bars, the warning summary, ``cablesite new``."""
