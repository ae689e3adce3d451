"""Pulling code, JSON, lists and test cases out of model completions.

Every function here is pure and total: junk in gives None or an empty result out, never an exception, so that the
caller can record an unparseable completion as a failed attempt.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["extract_code", "extract_io_blocks", "extract_json", "extract_list", "extract_single_value"]

_MAX_SCAN_CHARS = 200_000  # completions longer than this are cut before the heuristics run

_LANGUAGE_ALIASES = {
    "python": {"python", "py", "python3", "py3", "python2", "pycon", "ipython"},
    "cpp": {"cpp", "c++", "cc", "cxx", "hpp"},
    "javascript": {"javascript", "js", "node"},
    "typescript": {"typescript", "ts"},
    "json": {"json", "jsonc", "json5"},
}


# ---- fenced blocks -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced block of a model's answer."""

    language: str  # lower-cased first word of the info string, "" when none
    content: str
    complete: bool  # False for a final fence that was never closed


_OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
# "Here is the code: ```python" - a fence opened at the end of a line of prose
_INLINE_OPEN = re.compile(r"^(?P<prefix>.*:)[ \t]*(?P<fence>`{3,})(?P<info>[\w+#.-]*)[ \t]*$")
_LANGUAGE_WORDS = set().union(*_LANGUAGE_ALIASES.values()) | {"java", "c", "rust", "go", "bash", "sh", "text", "txt"}


def normalise(text: Any) -> str:
    """A model's answer as text to scan: "" for anything but a string, at most the scanned length, newlines as \\n."""
    if not isinstance(text, str):
        return ""
    return text[:_MAX_SCAN_CHARS].replace("\r\n", "\n").replace("\r", "\n")


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block (``` or ~~~, any indentation), in order; a final unclosed fence runs to the end.

    Also accepted: a fence opened at the end of a line of prose ending in a colon, a fence closed at the end of
    the block's last line (`print(x)```), and a language name alone on an untagged block's first line.
    """
    blocks: list[Block] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _OPEN_FENCE.match(lines[i]) or _INLINE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group("fence")
        indent = len(m.group("indent").expandtabs(4)) if "indent" in m.groupdict() else 0
        info = m.group("info").strip()
        language = re.split(r"[\s{,]", info, maxsplit=1)[0].lower().lstrip(".") if info else ""
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        body: list[str] = []
        complete = False
        j = i + 1
        while j < len(lines):
            line = lines[j]
            if close.match(line):
                complete = True
                break
            head = line.rstrip()[: -len(fence)] if line.rstrip().endswith(fence) else None
            if head is not None and head.strip() and not head.endswith(fence[0]):
                body.append(head)
                complete = True
                break
            body.append(line)
            j += 1
        if not language and len(body) > 1 and body[0].strip().lower() in _LANGUAGE_WORDS:
            language, body = body[0].strip().lower(), body[1:]
        blocks.append(Block(language, _dedent(body, indent), complete))
        i = j + 1
    return blocks


def _dedent(lines: list[str], indent: int) -> str:
    """Remove up to `indent` leading spaces (a fence indented in a list item indents its content too)."""
    if indent:
        out = []
        for line in lines:
            expanded = line.expandtabs(4)
            strip = min(indent, len(expanded) - len(expanded.lstrip(" ")))
            out.append(expanded[strip:])
        lines = out
    return "\n".join(lines)


def _matches_language(block_language: str, language: str) -> bool:
    aliases = _LANGUAGE_ALIASES.get(language, {language})
    return block_language in aliases


# ---- code ----------------------------------------------------------------------------------------------------------


def _parse_python(source: str) -> ast.Module | None:
    """The module's syntax tree when the source compiles, else None."""
    try:
        tree = ast.parse(source)
        # the compiler rejects what the parser lets through: `return` outside a function, `break` outside a loop
        compile(tree, "<completion>", "exec", dont_inherit=True)
        return tree
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError, OverflowError):
        return None


def _is_program(tree: ast.Module | None) -> bool:
    """True when a parsed module does something: not only bare literals/names (sample data such as `5` or
    `1 2 3`) and not only annotations without value (`Input: 5` parses as one)."""
    if tree is None or not tree.body:
        return False
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and node.value is None:
            continue
        if isinstance(node, ast.Expr) and not any(isinstance(n, (ast.Call, ast.Await)) for n in ast.walk(node)):
            continue
        return True
    return False


_CODE_START = re.compile(r"^(import |from \S+ import |def |class |async def |@|if __name__|#!)")


def _bare_python(text: str) -> str | None:
    """Python in a completion without fences: the whole text, or the span from the first line that starts like
    code to the last line that keeps it a program."""
    stripped = text.strip()
    if not stripped:
        return None
    if _is_program(_parse_python(stripped)):
        return stripped
    lines = stripped.split("\n")
    start = next((k for k, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    # drop trailing prose one line at a time (bounded: prose after code is short)
    tries = 40 if len(stripped) < 50_000 else 3
    for end in range(len(lines), max(start, len(lines) - tries), -1):
        candidate = "\n".join(lines[start:end]).strip()
        if _is_program(_parse_python(candidate)):
            return candidate
    return None


def extract_code(text: str, language: str = "python") -> str | None:
    """The program in a completion, or None when there is none.

    Fenced blocks tagged with the language (for python: python, py, python3, ...) or untagged are candidates;
    blocks tagged with another language are not. For python: the last complete tagged block that compiles wins,
    then the last complete untagged block that compiles to a program (not bare sample data), then the longest
    candidate even if it does not compile (a syntax error is the program's outcome, not a parse failure).
    Without fences, the text itself (less surrounding prose) when it compiles as a python program.
    For other languages: the last complete candidate, else the longest.
    """
    try:
        return _extract_code(normalise(text), (language or "python").lower())
    except Exception:  # a parser must never crash its caller
        return None


def _extract_code(text: str, language: str) -> str | None:
    blocks = fenced_blocks(text)
    tagged = [b for b in blocks if _matches_language(b.language, language) and b.content.strip()]
    untagged = [b for b in blocks if b.language == "" and b.content.strip()]
    if language != "python":
        for group in (tagged, untagged):
            complete = [b for b in group if b.complete]
            if complete:
                return complete[-1].content.strip("\n")
        candidates = tagged + untagged
        return max(candidates, key=lambda b: len(b.content)).content.strip("\n") if candidates else None
    for b in reversed(tagged):
        if b.complete and _parse_python(b.content) is not None:
            return b.content.strip("\n")
    for b in reversed(untagged):
        if b.complete and _is_program(_parse_python(b.content)):
            return b.content.strip("\n")
    candidates = tagged + [b for b in untagged if _looks_like_code(b.content)]
    if candidates:
        return max(candidates, key=lambda b: len(b.content)).content.strip("\n")
    if blocks:
        return None  # fences, but none holding python
    return _bare_python(text)


def _looks_like_code(content: str) -> bool:
    """An untagged block that does not compile still counts when it starts like python (a broken program),
    not when it is sample data."""
    return any(_CODE_START.match(line.strip()) for line in content.split("\n"))


# ---- JSON ----------------------------------------------------------------------------------------------------------

_TRAILING_COMMA = re.compile(r",\s*([\]}])")


def _loads_lenient(candidate: str) -> tuple[bool, Any]:
    """(True, value) for JSON, JSON with trailing commas, or a python literal of lists/dicts/strings/numbers."""
    candidate = candidate.strip()
    if not candidate:
        return False, None
    try:
        return True, json.loads(candidate)
    except (ValueError, RecursionError):
        pass
    try:
        return True, json.loads(_TRAILING_COMMA.sub(r"\1", candidate))
    except (ValueError, RecursionError):
        pass
    if candidate[0] in "[{(":
        try:
            value = ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return False, None
        return True, _jsonable(value)
    return False, None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [_jsonable(v) for v in sorted(value, key=repr)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _balanced_span(text: str, start: int, limit: int) -> str | None:
    """The substring from the bracket at `start` to its matching bracket, skipping quoted strings; None when
    there is none within `limit` characters."""
    pairs = {"[": "]", "{": "}"}
    stack = [pairs[text[start]]]
    quote = None
    k = start + 1
    end = min(len(text), start + limit)
    while k < end:
        ch = text[k]
        if quote:
            if ch == "\\":
                k += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in "]}":
            if ch != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return text[start : k + 1]
        k += 1
    return None


def _first_embedded_json(text: str) -> tuple[bool, Any]:
    decoder = json.JSONDecoder()
    # junk full of brackets must not make this quadratic: bound the starts tried and the characters scanned
    starts_left, scan_left = 200, 1_000_000
    for m in re.finditer(r"[\[{]", text):
        starts_left -= 1
        if starts_left < 0:
            break
        try:
            value, _ = decoder.raw_decode(text, m.start())
            if isinstance(value, (list, dict)):
                return True, value
        except (ValueError, RecursionError):
            pass
        if scan_left <= 0:
            continue
        span = _balanced_span(text, m.start(), limit=scan_left)
        scan_left -= len(span) if span is not None else min(scan_left, len(text) - m.start())
        if span is not None:
            ok, value = _loads_lenient(span)
            if ok and isinstance(value, (list, dict)):
                return True, value
    return False, None


def extract_json(text: str) -> Any | None:
    """The JSON value in a completion, or None.

    In order: the last fenced block tagged json that parses, the last other fenced block that parses, the whole
    text, the first balanced JSON object or array in the prose. Trailing commas and python-style literals
    (single quotes, tuples) are accepted. A JSON `null` is indistinguishable from nothing and gives None.
    """
    try:
        return _extract_json(normalise(text))
    except Exception:
        return None


def _extract_json(text: str, *, embedded: bool = True) -> Any | None:
    blocks = fenced_blocks(text)
    json_blocks = [b for b in blocks if b.language in _LANGUAGE_ALIASES["json"]]
    other_blocks = [b for b in blocks if b.language not in _LANGUAGE_ALIASES["json"]]
    for group in (json_blocks, other_blocks):
        for b in reversed(group):
            ok, value = _loads_lenient(b.content)
            if ok:
                return value
    ok, value = _loads_lenient(text)
    if ok:
        return value
    if not embedded:
        return None
    ok, value = _first_embedded_json(text)
    return value if ok else None


# ---- lists ---------------------------------------------------------------------------------------------------------

_ITEM = re.compile(
    r"^[ \t]*(?:\d{1,3}[.)]|\(\d{1,3}\)|[-*+\u2022\u2013]"
    r"|(?:hint|idea|approach|plan|attack|step|option)\s*#?\d{1,3}\s*[:.)-])"
    r"[ \t]+(?P<item>\S.*)$",
    re.IGNORECASE,
)


def _item_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def extract_list(text: str) -> list[str]:
    """The items of a list in a completion: a JSON list (or a JSON object holding one list), else the items of a
    numbered or bulleted list (continuation lines joined). Empty items are dropped; [] when there is no list."""
    try:
        return _extract_list(normalise(text))
    except Exception:
        return []


def _extract_list(text: str) -> list[str]:
    # a JSON list that is the answer (fenced, or the whole text) first; then a markdown list; only then a JSON
    # list found inside prose, which is as likely to be an example ("e.g. [3, 1, 2]") as the answer
    items = _json_items(_extract_json(text, embedded=False))
    if items:
        return items
    items = _markdown_items(text)
    if items:
        return items
    return _json_items(_extract_json(text))


def _json_items(value: Any) -> list[str]:
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        value = lists[0] if len(lists) == 1 else None
    if not isinstance(value, list):
        return []
    return [item for item in (_item_text(v) for v in value) if item]


def _markdown_items(text: str) -> list[str]:
    items: list[str] = []
    continuing = False
    top_indent: int | None = None  # items indented deeper than the first are sub-points of the one above
    for line in text.split("\n"):
        if _OPEN_FENCE.match(line):
            continuing = False
            continue
        m = _ITEM.match(line)
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if m and (top_indent is None or indent <= top_indent + 1 or not continuing):
            top_indent = indent if top_indent is None else top_indent
            items.append(m.group("item").strip())
            continuing = True
        elif continuing and line.strip() and line[:1] in (" ", "\t"):
            items[-1] = f"{items[-1]} {line.strip()}"
        elif line.strip():
            continuing = False
    return [item for item in (_strip_emphasis(i) for i in items) if item]


def _strip_emphasis(item: str) -> str:
    item = item.strip()
    if len(item) > 4 and item.startswith("**") and item.endswith("**"):
        item = item[2:-2].strip()
    return item


# ---- Input: / Output: blocks ---------------------------------------------------------------------------------------

_LABEL = re.compile(
    r"^[ \t>#*_-]*(?:\*\*|__)?[ \t]*"
    r"(?:(?:sample|example|test(?:\s*case)?)\s*\d*\s*)?"
    r"(?P<label>input|output|expected output|expected|explanation|note|reasoning)"
    r"[ \t]*\d*[ \t]*(?:\([^)\n]*\))?[ \t]*(?:\*\*|__)?[ \t]*[:\uff1a](?:[ \t]*(?:\*\*|__))?(?P<rest>.*)$",
    re.IGNORECASE,
)
# a label alone on a heading or bold line, without a colon: "### Sample Output", "**Input**"
_HEADING_LABEL = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*|\*\*|__)(?:(?:sample|example|test(?:\s*case)?)\s*\d*\s*)?"
    r"(?P<label>input|output|expected output|explanation)[ \t]*\d*[ \t]*(?:\*\*|__)?[ \t]*$",
    re.IGNORECASE,
)
_KINDS = {"input": "input", "output": "output", "expected output": "output", "expected": "output"}


def _match_label(line: str) -> tuple[str, str] | None:
    """(kind, rest of the line) when the line is an Input/Output/Explanation label."""
    m = _LABEL.match(line) or _HEADING_LABEL.match(line)
    if not m:
        return None
    rest = m.groupdict().get("rest") or ""
    return _KINDS.get(m.group("label").lower(), "stop"), rest


def _strip_inline(value: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"(`+)(.*?)\1", value, re.DOTALL)
    if m:
        value = m.group(2).strip()
    return value


def _labelled_values(text: str) -> list[tuple[str, str]]:
    """(kind, value) for every Input/Output label in order; kind "stop" for labels that end a value (Explanation)."""
    lines = text.split("\n")
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        label = _match_label(lines[i])
        if label is None:
            i += 1
            continue
        kind, rest = label
        i += 1
        if kind == "stop":
            out.append(("stop", ""))
            continue
        value_lines: list[str] = []
        opener = _OPEN_FENCE.match(rest.strip()) if rest.strip().startswith(("```", "~~~")) else None
        if rest.strip() and opener is None:
            value_lines.append(_strip_inline(rest))
        else:
            if opener is None:
                while i < len(lines) and not lines[i].strip():
                    i += 1
                opener = _OPEN_FENCE.match(lines[i]) if i < len(lines) else None
                if opener is not None:
                    i += 1
            if opener is not None:
                fence = opener.group("fence")
                close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
                body = []
                while i < len(lines) and not close.match(lines[i]):
                    body.append(lines[i])
                    i += 1
                i += 1  # the closing fence
                out.append((kind, "\n".join(body).strip("\n")))
                continue
        # an unfenced value runs to a blank line, a fence or the next label
        while i < len(lines) and lines[i].strip() and not _match_label(lines[i]) and not _OPEN_FENCE.match(lines[i]):
            value_lines.append(lines[i].rstrip())
            i += 1
        out.append((kind, "\n".join(value_lines).strip("\n")))
    return out


def extract_io_blocks(text: str) -> list[tuple[str, str]]:
    """Every (input, output) pair written as an `Input:` label followed by an `Output:` label, each value inline,
    on the following lines (up to a blank line) or in a fence; bold/heading decorations and "Sample"/"Example"
    prefixes are accepted. An input without an output is skipped. [] when there is none."""
    try:
        values = _labelled_values(normalise(text))
    except Exception:
        return []
    pairs: list[tuple[str, str]] = []
    for (kind, value), (next_kind, next_value) in zip(values, values[1:]):
        if kind == "input" and next_kind == "output":
            pairs.append((value, next_value))
    return pairs


_OUTPUT_TAG = re.compile(r"<output>(.*?)</output>", re.IGNORECASE | re.DOTALL)


def extract_single_value(text: str) -> str | None:
    """A predicted output, stripped: the content of the last <output> tag, else the value of the last `Output:`
    label, else the content of the last fenced block, else the whole text. None for an empty completion."""
    try:
        text = normalise(text)
        tags = _OUTPUT_TAG.findall(text)
        if tags:
            return _strip_inline(tags[-1])
        outputs = [value for kind, value in _labelled_values(text) if kind == "output"]
        if outputs:
            return outputs[-1].strip()
        blocks = [b for b in fenced_blocks(text) if b.content.strip()]
        if blocks:
            return blocks[-1].content.strip()
        value = _strip_inline(text)
        return value or None
    except Exception:
        return None
