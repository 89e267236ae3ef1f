"""Write the module list of docs/layout.md: every module of the server, the emulator and the
benchmarks, each with the first sentence of the docstring it opens with.

.venv/bin/python scripts/layout.py      (a test checks that docs/layout.md is current)
"""

import ast
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = os.path.join(ROOT, "docs", "layout.md")
MARK = "<!-- modules: generated -->"
ENTRIES = ("server.py", "webhook.py", "gunicorn.conf.py")
PACKAGES = ("invoicing", "stripe_emulator", "bench")


def modules():
    """The paths (from the repository) of the modules listed, in reading order."""
    found = list(ENTRIES)
    for package in PACKAGES:
        for folder, subfolders, files in os.walk(os.path.join(ROOT, package)):
            subfolders[:] = sorted(d for d in subfolders if d not in ("__pycache__", "versions"))
            here = os.path.relpath(folder, ROOT)
            found += [os.path.join(here, name) for name in sorted(files) if name.endswith(".py")]
    return found


def summary(path):
    """The first sentence of a module's docstring, on one line."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as source:
        docstring = ast.get_docstring(ast.parse(source.read())) or ""
    paragraph = " ".join(docstring.split("\n\n")[0].split())
    sentence = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    return sentence.group(1) if sentence else paragraph


def listing():
    """The generated part of docs/layout.md."""
    lines = [MARK, ""]
    for path in modules():
        lines.append(f"- `{path}`: {summary(path)}")
    return "\n".join(lines) + "\n"


def written():
    """docs/layout.md as it should be: its introduction, then the listing."""
    with open(LAYOUT, encoding="utf-8") as layout:
        introduction = layout.read().split(MARK)[0]
    return introduction + listing()


if __name__ == "__main__":
    text = written()
    with open(LAYOUT, "w", encoding="utf-8") as layout:
        layout.write(text)
    sys.stdout.write(f"Wrote {os.path.relpath(LAYOUT, ROOT)}: {len(modules())} modules\n")
