"""How the package's modules depend on each other: no import cycle, ipywidgets only in widgets, a quiz without torch."""

import ast
import subprocess
import sys
from pathlib import Path

import lstm_course

PACKAGE = Path(lstm_course.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: dict[str, Path]) -> set[str]:
    """Every lstm_course module that `path` imports, at the top or inside a function, with the packages above it."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            parts = target.split(".")
            found |= {".".join(parts[:k]) for k in range(1, len(parts) + 1) if ".".join(parts[:k]) in known}
    return found - {name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (module -> modules it imports) as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == "open":
                return stack[stack.index(child):] + [child]
            if child not in state and (cycle := visit(child)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(path, known) for name, path in known.items()}


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_sees_relative_and_function_level_imports():
    graph = import_graph()
    assert "lstm_course.widgets.quiz_views" in graph["lstm_course.quiz"]  # imported inside make_view
    assert {"lstm_course.plots", "lstm_course.widgets.base"} <= graph["lstm_course.widgets.gates"]


def test_no_module_of_the_package_takes_part_in_an_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_only_the_widgets_package_imports_ipywidgets():
    importers = set()
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "ipywidgets" for n in names):
                importers.add(name)
    assert importers and all(name.startswith("lstm_course.widgets.") for name in importers), importers


def loaded_after(code: str) -> set[str]:
    script = code + "\nimport sys; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_and_showing_a_quiz_loads_neither_torch_nor_matplotlib():
    just_import = loaded_after("import lstm_course.quiz")
    assert not {"torch", "ipywidgets", "matplotlib"} & just_import, just_import
    shown = loaded_after("from lstm_course.quiz import MultipleChoice\n"
                         "MultipleChoice('q', ['a', 'b'], 0, ['x', 'y'])._repr_mimebundle_()")
    assert "ipywidgets" in shown and not {"torch", "matplotlib"} & shown, shown


def test_the_widget_names_lessons_import_still_come_from_lstm_course_widgets():
    loaded = loaded_after("from lstm_course.widgets import (bidirectional_reader, gate_sandbox, gradient_flow_explorer,"
                          " shape_explorer, half_life, quiz_view, BankTagger, trained_bank_taggers, TAG_CLASSES)")
    assert "torch" in loaded
