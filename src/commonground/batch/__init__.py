"""The batch domain."""
