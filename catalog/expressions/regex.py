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


def _options(flags: RegexFlags) -> re2.Options:
    options = re2.Options()
    options.case_sensitive = not flags.case_insensitive
    options.log_errors = False
    options.max_mem = _MAX_MEM
    return options


def re2_engine(pattern: str, flags: RegexFlags) -> re2._Regexp:
    """jsonata-python's `regex_engine`: the literal's pattern and flags, compiled by RE2."""
    source = f"(?m){pattern}" if flags.multiline else pattern
    try:
        return re2.compile(source, _options(flags))
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexSyntaxError(f"Regular expression /{pattern}/ is not supported: {reason}") from None
