"""The one way a file is read and the one way files are written.

Reading: every input (plans, assignments, brokers and log-dirs files, state records,
``--command-config``, password files, stores) goes through :func:`read_input_bytes` /
:func:`read_input_text`, which turn every way a file can be unusable (missing, a directory, a
symlink loop, unreadable, too large, not text) into a :class:`~confluent_ops.errors.FileUnusable`
or :class:`~confluent_ops.errors.MalformedFile` naming the file, never a traceback.

Writing: plans, state records, configs and key material are read by other programs (Kafka's
tools, a broker, the next run of a step): a half-written file must never be found, and a
command that writes several files writes all of them or none. :func:`check_output` refuses a
location that cannot take a file before any work is done; :func:`write_files` writes each file
beside its target, created with its final mode (0600 for anything holding a key or a password,
so it is never readable by others, not even for an instant), synced, then renames them all into
place, putting back what it replaced if a rename fails.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

from confluent_ops.errors import FileUnusable, MalformedFile

__all__ = [
    "MAX_INPUT_BYTES",
    "PRIVATE",
    "PUBLIC",
    "check_folder",
    "check_input_folder",
    "check_output",
    "decode_text",
    "read_input_bytes",
    "read_input_text",
    "write_atomically",
    "write_files",
]

PRIVATE = 0o600
PUBLIC = 0o644
MAX_INPUT_BYTES = 1 << 30
"""The largest input read (1 GiB): a log-dirs file of 2,000,000 replicas is about 200 MB."""

PathLike = str | os.PathLike[str]

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EISDIR: "is a directory, not a file",
    errno.ENOTDIR: "a parent of it is not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EEXIST: "already exists",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def _name(path: PathLike) -> str:
    text = os.fspath(path)
    return text if text else "''"


def read_input_bytes(path: PathLike, *, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, or :class:`FileUnusable` saying why there are none."""
    name = _name(path)
    if not os.fspath(path):
        raise FileUnusable(name, f"an empty path was given for the {what}")
    try:
        with open(path, "rb") as handle:
            kind = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(kind) and not stat.S_ISFIFO(kind):  # <(...) is a pipe
                raise FileUnusable(name, f"the {what} is not a regular file")
            data = handle.read(limit + 1)
    except OSError as exc:
        raise FileUnusable(name, f"cannot read the {what}: {_reason(exc)}") from exc
    if len(data) > limit:
        raise FileUnusable(name, f"the {what} is larger than {limit:,} bytes")
    return data


def decode_text(data: bytes, *, source: str | None, what: str) -> str:
    """Text from bytes: UTF-8 (a BOM is allowed), or UTF-16 with its BOM.

    Anything else (Latin-1, UTF-16 without a BOM, binary) is refused with the byte offset of the
    first byte that is not UTF-8, so the user can find it.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise MalformedFile(
                f"the {what} starts like UTF-16 but is not (offset {exc.start})", path=source
            ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedFile(
            f"the {what} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}; "
            "save it as UTF-8",
            path=source,
        ) from exc
    if "\x00" in text:
        raise MalformedFile(
            f"the {what} holds a NUL character at offset {text.index(chr(0))}: not a text file",
            path=source,
        )
    return text


def read_input_text(path: PathLike, *, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """An input file's text (see :func:`decode_text`), or a typed error naming the file."""
    data = read_input_bytes(path, what=what, limit=limit)
    return decode_text(data, source=_name(path), what=what)


def check_output(path: PathLike, *, what: str) -> Path:
    """Refuse, before any work is done, a location where ``what`` cannot be written.

    The path must be non-empty, not an existing directory, its name short enough for the file
    system, and its folder must exist, be a folder and be writable.
    """
    name = _name(path)
    if not os.fspath(path):
        raise FileUnusable(name, f"an empty path was given for the {what}")
    target = Path(path)
    folder = target.parent
    try:
        limit = os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(f".{target.name}.previous")) > limit:
        raise FileUnusable(name, f"the name of the {what} is too long for the file system")
    try:
        if target.is_dir():
            raise FileUnusable(name, f"the {what} would replace a directory")
        if not folder.exists():
            raise FileUnusable(name, f"the folder {folder} of the {what} does not exist")
        if not folder.is_dir():
            raise FileUnusable(name, f"{folder} is not a folder, so the {what} cannot go there")
    except OSError as exc:
        raise FileUnusable(name, f"cannot write the {what} there: {_reason(exc)}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileUnusable(name, f"the folder {folder} of the {what} is not writable")
    return target


def check_folder(path: PathLike, *, what: str) -> Path:
    """Refuse a folder that files cannot be written into, or that cannot be created.

    An existing folder must be writable; a missing one is created later (with its parents), so
    the nearest folder that exists above it must be writable, and nothing on the way may be a
    file.
    """
    name = _name(path)
    if not os.fspath(path):
        raise FileUnusable(name, f"an empty path was given for the {what}")
    folder = Path(path)
    existing = folder
    try:
        while not existing.exists():
            if existing.is_symlink():
                raise FileUnusable(name, f"{existing} is a dangling symbolic link")
            existing = existing.parent
        if not existing.is_dir():
            raise FileUnusable(name, f"{existing} is not a folder, so the {what} cannot be there")
    except OSError as exc:
        raise FileUnusable(name, f"cannot use it as the {what}: {_reason(exc)}") from exc
    if not os.access(existing, os.W_OK | os.X_OK):
        raise FileUnusable(name, f"the folder {existing} is not writable")
    return folder


def check_input_folder(path: PathLike, *, what: str) -> Path:
    """A folder files are read from: it must exist, be a folder and be searchable."""
    name = _name(path)
    folder = Path(path)
    try:
        if not folder.exists():
            raise FileUnusable(name, f"the {what} does not exist")
        if not folder.is_dir():
            raise FileUnusable(name, f"the {what} is not a folder")
    except OSError as exc:
        raise FileUnusable(name, f"cannot use it as the {what}: {_reason(exc)}") from exc
    if not os.access(folder, os.R_OK | os.X_OK):
        raise FileUnusable(name, f"the {what} is not readable")
    return folder


def write_files(files: Mapping[Path, tuple[bytes | str, int]]) -> None:
    """Write ``{path: (content, mode)}``: all of them, or none (text is written as UTF-8).

    Each file is written in full beside its target first; only then are they renamed into place.
    Should a rename fail, the files already renamed are put back as they were (or removed when
    they were new), so a failed command leaves the folder as it found it.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, (content, mode) in files.items():
            partial = target.with_name(f".{target.name}.partial")
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            payload = content.encode("utf-8") if isinstance(content, str) else content
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            staged.append((partial, target))
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(partial, mode)  # the umask may have narrowed a public file's mode
        _rename_all(staged)
    except OSError as exc:
        failed = exc.filename if exc.filename is not None else next(iter(files), "")
        raise FileUnusable(_name(failed), f"cannot write it: {_reason(exc)}") from exc
    finally:
        for partial, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()


def _rename_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename every partial over its target; undo the renames done if one fails.

    A single file needs no undo (one rename is atomic); with several, each target about to be
    replaced is kept as a hidden ``.previous`` link (a copy where links are not supported).
    """
    done: list[tuple[Path, Path | None]] = []
    try:
        for partial, target in staged:
            backup = _keep_previous(target) if len(staged) > 1 else None
            partial.replace(target)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink()
                else:
                    backup.replace(target)
        raise
    finally:
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(FileNotFoundError):
                    backup.unlink()


def _keep_previous(target: Path) -> Path | None:
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}.previous")
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
    return backup


def write_atomically(path: PathLike, data: bytes | str, *, mode: int = PUBLIC) -> Path:
    """Replace ``path`` with ``data`` in one rename (see :func:`write_files`)."""
    target = Path(path)
    write_files({target: (data, mode)})
    return target
