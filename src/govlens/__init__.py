"""govlens: audit government websites against digital governance models."""

__version__ = "0.1.0"
