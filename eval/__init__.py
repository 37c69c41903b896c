"""Datasets, metrics and runners that measure airq. Imports ``core`` … ``qa``."""
