"""bb.compress: compressed file access. Only importable in tsbake's parse worker: packaging
code that reads compressed data runs in tsbake's own packaging, not here."""
