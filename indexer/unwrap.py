"""Hard-wrapped text made into paragraphs, with tables left as lines.

Fixed-width wire copy, e-mail and plain-text exports break every line at a
column (about 60-80 characters), so a sentence, and a name in it
("Secretary Richard\\nLyng"), runs across line ends. `unwrap()` joins such
lines back into paragraphs; lines that are laid out on purpose (earnings
tables "Shr 1.20 dlrs vs 1.10", aligned columns, dot leaders, lists, short
lines) stay lines.

A line end is a soft wrap when the next line's first word would not have
fitted on the line: the writer's program only breaks a line that is full.
Text whose lines run past `MAX_WRAP_WIDTH` was not wrapped at a column, and
is left alone.

`soft_breaks()` answers the same question as a set of character offsets, so
the entity extractor can read wrapped text as the model expects it without
changing a single offset.
"""
from __future__ import annotations

import re

MAX_WRAP_WIDTH = 100  # wider lines are paragraphs, not a column-wrapped text
# The widest lines may be a few characters short of the column a program
# wrapped at (a long next word moves down early), so "full" is measured
# against the widest line with this much slack.
SLACK = 2

_NUMBER = re.compile(r"^[-+(]?[$£€]?\d[\d,.]*%?\)?$|^\d+(?:st|nd|rd|th)$")
_DOT_LEADER = re.compile(r"\.{4,}|_{4,}|-{4,}|\s{2,}\.{2,}")
_VS = re.compile(r"\d[\d,.]*\s*(?:[a-z]+\s+)?vs\.?\s+(?:[a-z]+\s+)?[-+$£(]?\.?\d|\bvs\b\.{2,}",
                 re.I)
# Words that go with figures in a row ("61.3 mln", "1.20 dlrs", "12 pct").
_UNITS = {"mln", "bln", "billion", "million", "dlrs", "dlr", "cts", "pct", "pc", "stg", "yen",
          "tonnes", "tons", "bbl", "bpd", "pts", "%"}
_COLUMNS = re.compile(r"\S(?: {3,}|\t)\S")
_BULLET = re.compile(r"^\s*(?:[-*•·–]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_HAS_DIGIT = re.compile(r"\d")
MAX_ROW = 160  # a longer line is prose (a paragraph on one line), not a row
_TERMINAL = re.compile(r"[.!?:;\"”’)]$")


def is_table_line(line: str) -> bool:
    """A line laid out as a row of figures: earnings and results tables, dot
    leaders, aligned columns. The person rules skip these ("Avg shrs 12.3 mln
    vs 11.9 mln" names no one called Avg)."""
    s = line.strip()
    if not s or len(s) > MAX_ROW or not (_HAS_DIGIT.search(s) or "..." in s or "   " in s or "\t" in s
                     or "___" in s or "----" in s):
        return False  # every kind of row below has figures, leaders or column gaps
    if _DOT_LEADER.search(s) or _VS.search(s) or _COLUMNS.search(s):
        return True
    words = s.split()
    numbers = sum(1 for w in words if _NUMBER.match(w.strip(",;")))
    units = sum(1 for w in words if w.lower().strip(",;") in _UNITS)
    # Mostly figures ("Revs 20.9 mln 19.6 mln", "1987 1986 pct"): a row.
    return numbers >= 2 and (numbers + units) * 2 >= len(words) + 1


def table_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the table lines in `text`, including short
    captions between two table rows ("Year", "Nine mths") that belong to the
    table around them."""
    lines = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    rows = [is_table_line(text[s:e]) for s, e in lines]
    out = []
    for i, (s, e) in enumerate(lines):
        if rows[i]:
            out.append((s, e))
            continue
        words = text[s:e].split()
        inside = (0 < len(words) <= 3 and i > 0 and rows[i - 1] and
                  any(rows[j] for j in range(i + 1, min(i + 3, len(lines)))))
        if inside:
            out.append((s, e))
    return out


def in_table(text: str, pos: int) -> bool:
    """Whether the line of `text` holding offset `pos` is a table line (as
    table_lines() has it), looking only at that line and its neighbours."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    line = text[start:end]
    if is_table_line(line):
        return True
    if not 0 < len(line.split()) <= 3 or start == 0:
        return False
    prev_start = text.rfind("\n", 0, start - 1) + 1
    if not is_table_line(text[prev_start:start - 1]):
        return False
    nxt = end + 1
    for _ in range(2):
        if nxt > len(text):
            return False
        stop = text.find("\n", nxt)
        stop = len(text) if stop < 0 else stop
        if is_table_line(text[nxt:stop]):
            return True
        nxt = stop + 1
    return False


def _width(lines: list[str]) -> int:
    lengths = sorted(len(l.rstrip()) for l in lines if l.strip())
    return lengths[-1] if lengths else 0


def soft_breaks(text: str) -> set[int]:
    """Offsets of the newlines in `text` that are soft wraps inside a paragraph."""
    lines = text.split("\n")
    if len(lines) < 3:
        return set()
    width = _width(lines)
    if width > MAX_WRAP_WIDTH or width < 30:
        return set()
    tables = {s for s, _ in table_lines(text)}
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    indented = sum(1 for i in range(1, len(lines))
                   if lines[i][:1].isspace() and lines[i].strip() and lines[i - 1].strip())
    # Wire copy indents the first line of each paragraph, so there every
    # line that is not indented goes on from the one before.
    indent_style = indented >= 2 and indented * 5 >= len(lines)
    strong, weak = set(), set()
    for i in range(len(lines) - 1):
        if starts[i] in tables or starts[i + 1] in tables:
            continue
        line, nxt = lines[i].rstrip(), lines[i + 1]
        if _joins(line, nxt, width, indent_style):
            strong.add(starts[i] + len(lines[i]))
        elif _goes_on(line, nxt):
            weak.add(starts[i] + len(lines[i]))
    # One full line proves little (a paragraph that happens to end near the
    # width); two make the text a wrapped one, and then a line that stops
    # mid-sentence goes on too ("... Bancshares Inc's Texas\nCommerce Bank").
    if len(strong) < 2:
        return set()
    return strong | weak


def _goes_on(line: str, nxt: str) -> bool:
    if not nxt.strip() or nxt[0].isspace() or _BULLET.match(nxt) or not nxt[0].isalpha():
        return False
    return (len(line.split()) >= 4 and not _TERMINAL.search(line) and not line.isupper())


def _joins(line: str, nxt: str, width: int, indent_style: bool = False) -> bool:
    if not line.strip() or not nxt.strip():
        return False  # a blank line ends a paragraph
    if nxt[0].isspace() or _BULLET.match(nxt):
        return False  # an indented line or a list item starts something new
    first = nxt.split()[0]
    if indent_style and not (_TERMINAL.search(line) and len(line) < width // 2):
        return True
    if first[0].islower() and not _TERMINAL.search(line):
        # "...improving prospects for the coming temporao,\nalthough ...":
        # a sentence going on, whatever the length, as long as the line is
        # not a short one standing alone.
        return len(line) + 1 + len(first) > width * 2 // 3
    return len(line) + 1 + len(first) > width - SLACK


def unwrap(text: str) -> str:
    """Paragraphs of hard-wrapped text joined into single lines.

    Soft wraps become one space; a paragraph that started with indentation
    (wire style) or after a blank line is set off by a blank line; table rows
    and lists stay as their own lines, with their inner spacing. Text that
    was not wrapped at a column comes back unchanged, and unwrapping twice
    changes nothing more."""
    soft = soft_breaks(text)
    if not soft:
        return text
    lines = text.split("\n")
    tables = {s for s, _ in table_lines(text)}
    out: list[str] = []
    pos = 0
    for i, line in enumerate(lines):
        start = pos
        pos += len(line) + 1
        if i and (start - 1) in soft:
            out[-1] = out[-1].rstrip() + " " + line.strip()
            continue
        if start in tables:
            out.append(line.rstrip())
            continue
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        # Wire copy marks a new paragraph by indenting it: make it a blank line.
        if out and out[-1] != "" and line[:1].isspace():
            out.append("")
        out.append(line.strip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)

