"""A cross-cutting suite, the layout the design asks for: the top level, module and function sizes,
the one arrow into the emulator, docs/layout.md listing every module with its docstring, and
the tests' own layout (server/, emulator/, browser/, helpers only in tests/helpers/)."""

import ast
import importlib.util
import os

import pytest

from tests.helpers import ROOT

TOP_LEVEL = {
    "server.py", "webhook.py", "gunicorn.conf.py", "requirements.txt", ".env.example",
    "static", "templates", "tests", "README.md", "invoicing", "stripe_emulator", "bench",
    "scripts", "node", "docs", ".ci", "pyproject.toml", ".gitignore",
}  # fmt: skip
SIZED = ("invoicing", "stripe_emulator", "bench")
# Every module of the project is held to 400 lines, its tests and scripts too.
EVERY = (*SIZED, "tests", "scripts")
# Where test files live; what a test may import from tests/ (helpers, and the schema extract
# the conformance test reads).
TEST_FOLDERS = (["tests", "server"], ["tests", "emulator"], ["tests", "browser"])
TEST_IMPORTABLE = ("tests.helpers", "tests.emulator.stripe_schema")


def _layout_script():
    spec = importlib.util.spec_from_file_location("layout", os.path.join(ROOT, "scripts/layout.py"))
    layout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layout)
    return layout


def _tracked(*roots):
    for root in roots:
        for folder, subfolders, files in os.walk(os.path.join(ROOT, root)):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def test_the_top_level_holds_only_the_entries_and_the_packages():
    ignored = {".git", ".venv", "instance", ".pytest_cache", ".ruff_cache", ".hypothesis", ".env"}
    present = {name for name in os.listdir(ROOT) if name not in ignored}
    assert present <= TOP_LEVEL, sorted(present - TOP_LEVEL)


def test_no_module_over_400_lines_and_no_function_over_60():
    too_long = []
    for path in [*_tracked(*EVERY), "server.py", "webhook.py", "gunicorn.conf.py"]:
        with open(os.path.join(ROOT, path), encoding="utf-8") as source:
            text = source.read()
        if text.count("\n") > 400:
            too_long.append(f"{path}: {text.count(chr(10))} lines")
        if path.split("/")[0] in ("tests", "scripts"):
            continue  # a test or script may tell its story in one longer function
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    too_long.append(f"{path}:{node.lineno} {node.name}: {length} lines")
    assert not too_long


def test_only_emulator_mode_imports_the_emulator():
    importers = set()
    for path in [*_tracked("invoicing"), "server.py", "webhook.py", "gunicorn.conf.py"]:
        with open(os.path.join(ROOT, path), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "stripe_emulator" for name in names):
                importers.add(path)
    assert importers == {"invoicing/emulator_mode.py"}


@pytest.mark.parametrize("module", ["invoicing/stripe_calls.py", "invoicing/stripe_catalog.py"])
def test_stripe_calls_do_no_database_work(module):
    with open(os.path.join(ROOT, module), encoding="utf-8") as source:
        text = source.read()
    assert "invoicing.record" not in text and "sqlalchemy" not in text


def test_docs_layout_lists_every_module_with_its_docstring():
    layout = _layout_script()
    with open(layout.LAYOUT, encoding="utf-8") as written:
        assert written.read() == layout.written(), "run: .venv/bin/python scripts/layout.py"
    assert all(layout.summary(path) for path in layout.modules())


def _test_tree():
    """Every Python file under tests/, with its parsed source."""
    for path in _tracked("tests"):
        with open(os.path.join(ROOT, path), encoding="utf-8") as source:
            yield path, ast.parse(source.read())


def test_tests_live_in_server_emulator_and_browser_each_a_package():
    misplaced = []
    for path, _ in _test_tree():
        folder, name = os.path.split(path)
        if name.startswith("test_") and folder.split(os.sep)[:2] not in TEST_FOLDERS:
            misplaced.append(path)
    assert misplaced == []
    # A package per folder, so that tests.server.test_invoices and tests.emulator.test_invoices
    # can both exist under pytest's default import mode.
    for folder in ("tests", *(os.path.join(*f) for f in TEST_FOLDERS)):
        assert os.path.exists(os.path.join(ROOT, folder, "__init__.py")), folder


def test_no_test_module_imports_another_and_none_prints():
    wrong = []
    for path, tree in _test_tree():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            for name in names:
                if name.startswith(".") or (
                    name.split(".")[0] == "tests" and not name.startswith(TEST_IMPORTABLE)
                ):
                    wrong.append(f"{path}:{node.lineno} imports {name}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                wrong.append(f"{path}:{node.lineno} prints")
    assert wrong == []
