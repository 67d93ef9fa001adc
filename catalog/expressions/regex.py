"""JSONata's regular expressions on RE2, which matches in time linear in the text.

jsonata-python compiles a regex literal (`/(a+)+$/i`) with whatever engine it is given; its
default is Python's `re`, which backtracks: `$match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!',
/(a+)+$/)` ran for minutes holding the GIL. RE2 has no backtracking, so no pattern can do
that; in exchange it refuses backreferences and lookaround, which are reported as syntax
errors at the literal's position."""

from __future__ import annotations

import re2
from jsonata.regex_engine import RegexFlags

# What RE2 may spend on one compiled pattern (its default is 8 MiB): a pattern such as
# `(a{1000}){1000}` is refused rather than built.
_MAX_MEM = 8 << 20


class RegexSyntaxError(ValueError):
    """RE2 cannot compile the pattern: what it says, without the library's prefix."""


def re2_options(*, case_insensitive: bool = False, never_capture: bool = False, max_mem: int = _MAX_MEM) -> re2.Options:
    """RE2's options for a user's pattern: a refused one is reported to its author, never
    logged (RE2 logs to stderr by default)."""
    options = re2.Options()
    options.case_sensitive = not case_insensitive
    options.never_capture = never_capture
    options.log_errors = False
    options.max_mem = max_mem
    return options


def re2_reason(exc: re2.error) -> str:
    """What RE2 says of a pattern it refused (its message comes as bytes)."""
    return exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)


def re2_engine(pattern: str, flags: RegexFlags) -> re2._Regexp:
    """jsonata-python's `regex_engine`: the literal's pattern and flags, compiled by RE2."""
    source = f"(?m){pattern}" if flags.multiline else pattern
    try:
        return re2.compile(source, re2_options(case_insensitive=flags.case_insensitive))
    except re2.error as exc:
        raise RegexSyntaxError(f"Regular expression /{pattern}/ is not supported: {re2_reason(exc)}") from None
