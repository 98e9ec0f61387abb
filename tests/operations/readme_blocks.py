"""The README's production blocks, read as they stand, with only named placeholders put in.

`tests/operations/test_behind_nginx.py` runs what the README says; this module finds the
blocks and substitutes. A placeholder that is no longer in its block is an error here, so an
edit to the README cannot quietly make the test run something else.
"""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def block_after(marker: str, language: str, readme: Path = README) -> str:
    """The first fenced block in `language` after the first line holding `marker`."""
    text = readme.read_text(encoding="utf-8")
    start = text.find(marker)
    if start < 0:
        raise AssertionError(f"README.md has no line with {marker!r}")
    found = re.compile(rf"^```{re.escape(language)}\n(.*?)^```", re.S | re.M).search(text, start)
    if not found:
        raise AssertionError(f"README.md has no ```{language} block after {marker!r}")
    return found.group(1)


def substitute(block: str, replacements: dict[str, str]) -> str:
    """`block` with each key replaced by its value; every key must occur in it."""
    for placeholder, value in replacements.items():
        if placeholder not in block:
            raise AssertionError(f"the README block no longer holds {placeholder!r}:\n{block}")
        block = block.replace(placeholder, value)
    return block


def environment_file(block: str, replacements: dict[str, str | None]) -> dict[str, str]:
    """An EnvironmentFile's KEY=value lines as a dict; `replacements` gives some keys a value
    of the test's own (None drops the key). Every replaced key must be in the block."""
    values = {}
    for line in block.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            # Quoted where the shell needs it (the README also reads the file with `.`);
            # systemd's EnvironmentFile drops the quotes too.
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[key] = value
    for key, value in replacements.items():
        if key not in values:
            raise AssertionError(f"the README's environment file no longer sets {key}")
        if value is None:
            del values[key]
        else:
            values[key] = value
    return values


def unit_setting(block: str, key: str) -> str:
    """The value of `key=` in a systemd unit."""
    for line in block.splitlines():
        if line.startswith(f"{key}="):
            return line.partition("=")[2]
    raise AssertionError(f"the README's unit has no {key}= line")
