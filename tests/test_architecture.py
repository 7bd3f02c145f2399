"""The import direction documented in docs/architecture.md, enforced on every module of src/mlsecure.

The layer table and its exceptions are read from the document itself, so the page and the code cannot
drift apart. Imports are found with ``ast`` (nothing is imported), including imports inside functions
and under ``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mlsecure"
DOC = ROOT / "docs" / "architecture.md"
ROOT_NAMES_ANYONE_MAY_IMPORT = frozenset({"__version__"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    source: str
    target: str
    source_layer: int
    target_layer: int
    imported: str

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.source} (layer {self.source_layer}) imports {self.imported} "
                f"({self.target}, layer {self.target_layer}); docs/architecture.md allows only lower layers")


def _block(text: str, info: str) -> list[str]:
    match = re.search(rf"^```{re.escape(info)}\n(.*?)^```", text, re.S | re.M)
    assert match, f"docs/architecture.md has no ```{info} block"
    return [line.strip() for line in match.group(1).splitlines() if line.strip()]


def documented_layers(text: str) -> dict[str, int]:
    layers: dict[str, int] = {}
    for line in _block(text, "layers"):
        number, _, units = line.partition(":")
        for unit in units.split():
            assert unit not in layers, f"{unit} is listed in two layers of docs/architecture.md"
            layers[unit] = int(number)
    return layers


def documented_exceptions(text: str) -> set[tuple[str, str]]:
    out = set()
    for line in _block(text, "layer-exceptions"):
        edge, _, reason = line.partition(":")
        source, _, target = edge.partition("->")
        assert reason.strip(), f"exception {edge!r} gives no reason"
        out.add((source.strip(), target.strip()))
    return out


def units_on_disk() -> set[str]:
    """Every package (a folder with ``__init__.py``) and top-level module under src/mlsecure."""
    units = {p.stem for p in SRC.glob("*.py")}
    units |= {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    return units


def unit_of(module: str, layers: dict[str, int] | None = None) -> str:
    """``mlsecure.artifacts.scan.engine`` -> ``artifacts``; ``mlsecure`` -> ``__init__``. A part of a
    package listed on its own (``engines.artifacts``) is its own unit: the longest listed prefix wins."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__"
    for n in range(len(parts), 1, -1):
        if layers is not None and ".".join(parts[:n]) in layers:
            return ".".join(parts[:n])
    return parts[0]


def listed_unit_exists(unit: str) -> bool:
    path = SRC.joinpath(*unit.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def module_name(path: Path) -> tuple[str, str]:
    """(the module's dotted name, the package its relative imports start from)."""
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def imports_of(tree: ast.AST, package: str, layers: dict[str, int]) -> list[tuple[int, str, str]]:
    """(line, imported module, the unit it belongs to) for every mlsecure import in ``tree``."""
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "mlsecure":  # ``from mlsecure import x``: a submodule, or a root name
                targets = [f"mlsecure.{a.name}" if a.name not in ROOT_NAMES_ANYONE_MAY_IMPORT else "mlsecure"
                           for a in node.names]
                targets = [t for t in targets if t != "mlsecure"]
            else:
                targets = [module]
        out.extend((node.lineno, t, unit_of(t, layers)) for t in targets
                   if t == "mlsecure" or t.startswith("mlsecure."))
    return out


def violations_in(source_code: str, module: str, package: str, path: str, layers: dict[str, int],
                  exceptions: set[tuple[str, str]], used: set[tuple[str, str]] | None = None) -> list[Violation]:
    source = unit_of(module, layers)
    found = []
    for line, imported, target in imports_of(ast.parse(source_code), package, layers):
        if target == source:
            continue
        if (source, target) in exceptions:
            if used is not None:
                used.add((source, target))
            continue
        if target not in layers or layers[target] >= layers[source]:
            found.append(Violation(path, line, source, target, layers[source], layers.get(target, -1), imported))
    return found


def test_every_package_is_documented_and_in_one_layer() -> None:
    text = DOC.read_text(encoding="utf-8")
    layers = documented_layers(text)
    on_disk = units_on_disk()
    assert sorted(on_disk - set(layers)) == [], "packages missing from the layer table of docs/architecture.md"
    missing = sorted(u for u in layers if not (u in on_disk or ("." in u and listed_unit_exists(u))))
    assert missing == [], "the layer table names packages that do not exist"
    for unit in on_disk | {"schemas"}:
        name = f"{unit}.py" if (SRC / f"{unit}.py").exists() else f"{unit}/"
        assert f"**`{name}`**" in text, f"docs/architecture.md has no paragraph for {name}"


def test_imports_follow_the_documented_layers() -> None:
    text = DOC.read_text(encoding="utf-8")
    layers, exceptions = documented_layers(text), documented_exceptions(text)
    found: list[Violation] = []
    used: set[tuple[str, str]] = set()
    for path in sorted(SRC.rglob("*.py")):
        module, package = module_name(path)
        found += violations_in(path.read_text(encoding="utf-8"), module, package,
                               str(path.relative_to(ROOT)), layers, exceptions, used)
    assert not found, "imports against the layers of docs/architecture.md:\n" + "\n".join(map(str, found))
    assert exceptions <= used, f"listed exceptions that no longer occur: {sorted(exceptions - used)}"


def test_a_listed_part_of_a_package_is_its_own_unit() -> None:
    layers = documented_layers(DOC.read_text(encoding="utf-8"))
    assert unit_of("mlsecure.engines.artifacts", layers) == "engines.artifacts"
    assert unit_of("mlsecure.engines.local", layers) == "engines"
    # the engine core sits below the capabilities; its artifact-scan job above artifacts
    assert violations_in("from mlsecure.engines import get_engine\n", "mlsecure.robustness.evaluate",
                         "mlsecure.robustness", "x.py", layers, set()) == []
    (v,) = violations_in("from mlsecure.artifacts.scan import scan_path\n", "mlsecure.engines.local",
                         "mlsecure.engines", "x.py", layers, set())
    assert (v.source, v.target) == ("engines", "artifacts")


def test_the_checker_names_an_offending_import() -> None:
    """The checker can fail: a vocabulary module importing the CLI, a capability importing the runner
    (relative import included) and an artifacts module importing supply_chain are each reported."""
    layers = documented_layers(DOC.read_text(encoding="utf-8"))
    code = ("from mlsecure.errors import InputError\n"
            "def f():\n    from mlsecure.cli.main import main\n")
    (v,) = violations_in(code, "mlsecure.findings", "mlsecure", "src/mlsecure/findings.py", layers, set())
    assert str(v) == ("src/mlsecure/findings.py:3: findings (layer 3) imports mlsecure.cli.main (cli, layer 12); "
                      "docs/architecture.md allows only lower layers")
    (v,) = violations_in("from ..scan import runner\n", "mlsecure.robustness.checks", "mlsecure.robustness",
                         "x.py", layers, set())
    assert (v.target, v.imported) == ("scan", "mlsecure.scan")
    (v,) = violations_in("from mlsecure.supply_chain.requirements import parse_requirements\n",
                         "mlsecure.artifacts.sbom", "mlsecure.artifacts", "x.py", layers, set())
    assert (v.source, v.target) == ("artifacts", "supply_chain")
    assert violations_in("from mlsecure import __version__\nfrom mlsecure import errors\n",
                         "mlsecure.catalog.owasp", "mlsecure.catalog", "x.py", layers, set()) == []
