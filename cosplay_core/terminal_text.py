"""Untrusted text (what a program printed, what a model wrote) made safe to show in a terminal report."""

from __future__ import annotations

__all__ = ["one_line"]


def one_line(text: str, limit: int) -> str:
    """`text` as one visible line of at most `limit` characters: every character a terminal would act on or hide
    (controls and escape sequences, carriage returns and line breaks, bidirectional and zero-width marks) is written
    as its escape (`\\x1b`, `\\n`, `\\u202e`), so that the text cannot move the cursor, clear, recolour or retitle the
    terminal, or fake a line of the report it appears in."""
    head = text[:limit]  # (a program may have printed a MiB: only what is shown is looked at)
    if head.isprintable():
        return head
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in head)[:limit]


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
