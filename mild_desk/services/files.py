"""File names a person types (an export, a print, a backup, a restore): checked before anything
is done, and refused with one line naming the field, quoted so that a control character or a
line break in the name cannot break the line."""

from pathlib import Path

from mild_desk.errors import InvalidInput


def out_path(value: str | Path, *, field: str = "out") -> Path:
    """A file to write: a name in an existing folder, not a folder itself."""
    text = _text(value, field, "give a file to write")
    path = _expand(text, field)
    try:
        if path.is_dir():
            raise InvalidInput(f"{text!r} is a folder; give a file name", field=field)
        if not path.parent.resolve().is_dir():
            raise InvalidInput(f"the folder {str(path.parent)!r} does not exist", field=field)
    except OSError as exc:  # a name too long, no permission
        raise InvalidInput(f"cannot write {text!r}: {why(exc)}", field=field) from None
    return path


def in_path(value: str | Path, *, field: str = "file") -> Path:
    """A file to read: one that exists and is not a folder."""
    text = _text(value, field, "give a file to read")
    path = _expand(text, field)
    try:
        if path.is_dir():
            raise InvalidInput(f"{text!r} is a folder; give a file name", field=field)
        if not path.is_file():
            raise InvalidInput(f"{text!r} does not exist", field=field)
    except OSError as exc:
        raise InvalidInput(f"cannot read {text!r}: {why(exc)}", field=field) from None
    return path


def why(exc: Exception) -> str:
    """An OS error as one short phrase ("No such file or directory")."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def _text(value: str | Path, field: str, missing: str) -> str:
    text = str(value).strip()
    if not text:
        raise InvalidInput(missing, field=field)
    if "\x00" in text:
        raise InvalidInput(f"{text!r} is not a file name (it holds a NUL byte)", field=field)
    return text


def _expand(text: str, field: str) -> Path:
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "~name" of no user on this computer
        raise InvalidInput(f"{text!r}: no such user's home folder", field=field) from None
