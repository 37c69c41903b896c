"""airq qa."""
