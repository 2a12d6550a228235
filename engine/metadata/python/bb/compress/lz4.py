"""bb.compress.lz4: importable for python libraries; opening a file is not supported while parsing."""
from .._strict import strict_getattr

__getattr__ = strict_getattr("bb.compress.lz4")
