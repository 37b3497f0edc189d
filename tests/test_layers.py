"""The layers of docs/ARCHITECTURE.md, checked on the import statements of every module."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dropout_viz"


def imports(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def files(folder: Path):
    return sorted(p for p in folder.rglob("*.py"))


def uses(names: set[str], top: str) -> bool:
    return any(n == top or n.startswith(top + ".") for n in names)


def test_core_needs_no_streamlit_lesson_ui_or_figures():
    for path in files(PKG / "core"):
        names = imports(path)
        for banned in ("streamlit", "dropout_viz.lessons", "dropout_viz.ui", "dropout_viz.figures"):
            assert not uses(names, banned), f"{path.relative_to(ROOT)} imports {banned}"


def test_figure_builders_never_import_jax_or_streamlit():
    builders = files(PKG / "figures") + sorted(PKG.glob("lessons/*/figures.py"))
    for path in builders:
        names = imports(path)
        assert not uses(names, "jax") and not uses(names, "streamlit"), path.relative_to(ROOT)


def test_streamlit_only_in_ui_and_views():
    for path in files(PKG):
        rel = path.relative_to(PKG).as_posix()
        allowed = rel.startswith("ui/") or re.fullmatch(r"lessons/[^/]+/view\.py", rel)
        if not allowed:
            assert not uses(imports(path), "streamlit"), f"dropout_viz/{rel} imports streamlit"


def test_experiments_are_pure():
    for path in sorted(PKG.glob("lessons/*/experiment.py")):
        names = imports(path)
        assert not uses(names, "streamlit") and not uses(names, "dropout_viz.ui"), path.relative_to(ROOT)


def test_lessons_never_import_each_other():
    for path in sorted(PKG.glob("lessons/*/*.py")):
        lesson = path.parent.name
        for name in imports(path):
            m = re.match(r"dropout_viz\.lessons\.([^.]+)", name)
            assert m is None or m.group(1) == lesson, f"{path.relative_to(ROOT)} imports {name}"


def test_pages_do_no_math():
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        names = imports(path)
        assert not uses(names, "jax"), f"{path.name} imports jax"


def test_no_file_points_outside_the_repository():
    for path in [*files(PKG), *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py", ROOT / "README.md",
                 *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        assert "DESIGN" + ".md" not in text and ".." + "/shared" not in text, path.relative_to(ROOT)
