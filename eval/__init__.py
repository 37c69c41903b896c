"""airq eval."""
