"""Question → answer with verified citations. Imports ``core`` … ``index``."""
