"""The sdg domain."""
