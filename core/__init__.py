"""Settings and the data contracts shared by every stage (nothing here imports a later stage)."""
