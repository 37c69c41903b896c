"""The corpus: manifest of source documents, their state on disk, and fetching them."""
