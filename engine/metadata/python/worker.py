"""tsbake's python3 worker: evaluates inline Python for the TypeScript metadata engine.

Usage: python3 -u worker.py IN_FIFO OUT_FIFO  (started by worker-client.ts, never by hand).
Everything lives in the tsbake_worker package; this file only makes it and tsbake's `bb`
package importable, so that the TypeScript side can locate one fixed path.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from tsbake_worker.main import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv)
