"""PDF → pages → sections → chunks. Imports only ``core`` and ``corpus``."""
