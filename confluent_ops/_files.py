"""Writing a file whole or not at all, with the mode it needs from its first byte.

Plans, state records, configs and key material are read by other programs (Kafka's tools,
a broker, the next run of a step): a half-written file must never be found. Each write goes to
a hidden file beside the target, created with its final mode (0600 for anything holding a key
or a password, so it is never readable by others, not even for an instant), synced, then
renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE = 0o600
PUBLIC = 0o644


def write_atomically(path: Path, data: bytes | str, *, mode: int = PUBLIC) -> Path:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    partial = path.with_name(f".{path.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, mode)  # the umask may have narrowed a public file's mode
        partial.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return path
