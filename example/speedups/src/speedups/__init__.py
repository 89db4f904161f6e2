"""Small helpers implemented in C."""
from ._speedups import add, checksum

__all__ = ["add", "checksum"]
