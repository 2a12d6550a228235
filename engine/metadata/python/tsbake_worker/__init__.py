"""The python3 side of tsbake's inline-Python bridge (see worker-client.ts for the TS side)."""
