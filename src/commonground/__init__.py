"""commonground: cities learn from each other's SDG innovations and partner to replicate them."""

__version__ = "0.1.0"
