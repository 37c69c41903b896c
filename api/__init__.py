"""airq api."""
