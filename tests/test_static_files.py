"""The stylesheets are well formed: a rule left open makes a browser read every later rule of
its file as nested inside it, and none of them applies (the search suggestions and the rows'
marks lost their styles so once). The project's CSS nests rules only in at-rules (@media,
@supports); each file is read here as a browser would count its braces."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS_FILES = sorted((Path(settings.BASE_DIR) / "static").rglob("*.css"))
COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")


def nesting_problems(css: str) -> list[str]:
    """Where a style rule holds another rule, a brace closes nothing, or a block never ends."""
    # Comments and strings hold no braces that count; their lines are kept, for the messages.
    text = STRING.sub('""', COMMENT.sub(lambda m: "\n" * m.group().count("\n"), css))
    problems, stack, prelude_start = [], [], 0
    for at, char in ((m.start(), m.group()) for m in re.finditer(r"[{};]", text)):
        line = text.count("\n", 0, at) + 1
        if char == ";":
            prelude_start = at + 1
        elif char == "{":
            prelude = text[prelude_start:at].strip()
            if stack and not stack[-1].startswith("@"):
                problems.append(f"line {line}: “{prelude[:40]}” opens inside “{stack[-1][:40]}”")
            stack.append(prelude)
            prelude_start = at + 1
        else:
            if not stack:
                problems.append(f"line {line}: a closing brace closes nothing")
            else:
                stack.pop()
            prelude_start = at + 1
    problems += [f"“{prelude[:40]}” is never closed" for prelude in stack]
    return problems


@pytest.mark.parametrize("path", CSS_FILES, ids=lambda p: p.name)
def test_every_rule_of_a_stylesheet_is_closed_where_it_should_be(path):
    assert nesting_problems(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_rule_left_open():
    assert nesting_problems(".a { color: red;\n.b { color: blue; }\n")
    assert not nesting_problems("@media (width < 40rem) { .a { color: red; } }\n.b { x: '{'; }")
