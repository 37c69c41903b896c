"""Embeddings, Chroma, BM25 and hybrid retrieval. Imports ``core``, ``corpus``, ``ingest``."""
