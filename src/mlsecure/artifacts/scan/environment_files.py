"""Environment files a model ships for its loader to install: ``requirements.txt``, ``conda.yaml``,
``python_env.yaml``.

``mlflow.pyfunc.load_model`` / ``mlflow models serve`` (``env_manager`` virtualenv or conda) restore the model's
environment by running ``pip install -r requirements.txt`` and ``conda env create -f conda.yaml``: a requirement
fetched from a VCS or URL, a package index or a conda channel of the file's choice, or a local path outside the
model folder installs code nobody scanned (``setup.py`` runs during the install). Named, pinned packages from the
default index are what these files are for and pass. Parsed line by line (pip's own requirement-file syntax:
continuation lines, ``#`` comments, options), nothing is installed or fetched.
"""

from __future__ import annotations

import re
from typing import Any

from mlsecure.artifacts.scan.config_imports import escapes_folder
from mlsecure.artifacts.scan.interface import Issue, IssueKind
from mlsecure.findings import Severity

_REQUIREMENTS = re.compile(r"(?:^|[-_.])requirements?(?:[-_.][\w.-]*)?\.(?:txt|in)$|^constraints?\.txt$", re.I)
_CONDA = frozenset({"conda.yaml", "conda.yml", "environment.yaml", "environment.yml"})
_PYTHON_ENV = frozenset({"python_env.yaml", "python_env.yml"})
# options that point pip at another package server (any sdist it serves runs setup.py on install)
_INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host"})
_INCLUDE_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint"})
_EDITABLE = frozenset({"-e", "--editable"})
_VCS_OR_URL = re.compile(r"^(?:git|hg|svn|bzr)\+|^[A-Za-z][A-Za-z0-9+.-]*://|^file:", re.I)
_DIRECT = re.compile(r"@\s*((?:git|hg|svn|bzr)\+\S+|[A-Za-z][A-Za-z0-9+.-]*://\S+|file:\S+)")
# channels a conda environment names for public, curated builds (anaconda.org user channels are anyone's)
KNOWN_CHANNELS = frozenset({"defaults", "conda-forge", "pytorch", "nvidia", "anaconda", "main", "r", "msys2",
                            "bioconda", "pytorch-nightly", "huggingface", "rapidsai", "intel", "nodefaults"})
MAX_ISSUES = 50
# package indexes and wheel hosts run by the projects themselves, over TLS (a model's requirements name PyTorch's CUDA
# index routinely); a bucket host is listed only with the project's own path
VENDOR_INDEXES = ("https://pypi.org/", "https://files.pythonhosted.org/", "https://download.pytorch.org/",
                  "https://pypi.nvidia.com/", "https://pypi.ngc.nvidia.com/", "https://data.pyg.org/",
                  "https://storage.googleapis.com/jax-releases/")


def environment_kind(name: str) -> str | None:
    """``requirements``, ``conda`` or ``python_env`` by the file name a loader looks for; else ``None``."""
    base = name.replace("\\", "/").rpartition("/")[2]
    if base.lower() in _CONDA:
        return "conda"
    if base.lower() in _PYTHON_ENV:
        return "python_env"
    return "requirements" if _REQUIREMENTS.search(base) else None


def environment_issues(name: str, text: str) -> list[Issue]:
    kind = environment_kind(name)
    if kind == "requirements" or (kind is None and looks_like_requirements(text)):
        return requirement_issues(name, _logical_lines(text))
    if kind is None and (len(text) > MAX_SNIFFED or "dependencies" not in text):
        return []  # an MLmodel may name its environment file anything (env: {virtualenv: env.yaml}): sniffed below
    import yaml

    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        if kind is None:  # a sniffed file that is not YAML is not an environment file
            return []
        return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{name}: {kind} environment file does not parse as YAML "
                      f"({type(exc).__name__}): the packages it installs cannot be verified")]
    if not isinstance(document, dict) or not isinstance(document.get("dependencies"), list):
        return []
    if kind is None:  # conda lists channels or a pip sub-list; python_env names python or build_dependencies
        conda = "channels" in document or any(isinstance(d, dict) and "pip" in d for d in document["dependencies"])
        kind = "conda" if conda else "python_env" if ("python" in document or "build_dependencies" in document) \
            else None
    if kind == "python_env":
        lines = [d for key in ("dependencies", "build_dependencies") for d in _strings(document.get(key))]
        return requirement_issues(name, lines)
    return _conda_issues(name, document) if kind == "conda" else []


_PIP_URL = re.compile(r"^(?:git|hg|svn|bzr)\+|\.whl(?:$|[#?;\s])|#egg=", re.I)
_PIP_OPTIONS = frozenset({*_INDEX_OPTIONS, *_INCLUDE_OPTIONS, *_EDITABLE, "--no-index", "--pre", "--prefer-binary",
                          "--only-binary", "--no-binary", "--require-hashes", "--use-feature", "--hash",
                          "--index-url", "--extra-index-url", "--find-links", "--trusted-host", "--requirement",
                          "--constraint", "--editable", "--config-settings", "--global-option"})
# a requirement line: a name, optional [extras], then only version-specifier characters (and ``; markers``); written
# as a name match plus a character set, not one regex with nested repeats (session 7: such a regex backtracked for
# minutes on ``a==1 ==1 ==1 ... $``)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]\n]*\])?")
_SPECIFIER_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.*+!=<>~, \t-")


def _is_spec(line: str) -> bool:
    match = _NAME.match(line)
    if match is None:
        return False
    rest = line[match.end():].partition(";")[0].strip()
    return (not rest or rest[0] in "=<>!~") and all(char in _SPECIFIER_CHARS for char in rest)
MAX_SNIFFED = 1024**2


def looks_like_requirements(text: str) -> bool:
    """A requirements file under another name (TorchServe's ``requirementsFile``, ``-r deps.txt``): every line is a
    requirement, a pip option or a VCS/URL requirement, and at least one line installs from elsewhere. Only that last
    kind of line can change the verdict, so a list of labels (``cat``, ``dog``) is never judged."""
    if len(text) > MAX_SNIFFED or "\x00" in text:
        return False
    risky = False
    for line in _logical_lines(text):
        if not line:
            continue
        option = _option(line)[0]
        if option is not None and option in _PIP_OPTIONS:
            risky = risky or option in _INDEX_OPTIONS or option in _EDITABLE or option in _INCLUDE_OPTIONS
        elif option is None and (_DIRECT.search(line) or _PIP_URL.search(line)):
            risky = True  # a VCS URL, ``name @ URL``, a wheel, ``#egg=``; a bare URL list is a download list
        elif option is not None or not _is_spec(line):
            return False
    return risky


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _conda_issues(name: str, document: dict[Any, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for channel in _strings(document.get("channels")):
        if _VCS_OR_URL.search(channel.strip()):
            issues.append(_issue(name, Severity.HIGH, f"conda channel {channel!r} is a server of the file's choice"))
        elif channel.strip().lower() not in KNOWN_CHANNELS:
            issues.append(_issue(name, Severity.MEDIUM, f"conda channel {channel!r} is a user channel anyone can "
                                 "publish to: packages installed from it are not verified"))
    dependencies = document.get("dependencies")
    for item in dependencies if isinstance(dependencies, list) else []:
        if isinstance(item, str) and _VCS_OR_URL.search(item.strip()):
            issues.append(_issue(name, Severity.HIGH, f"conda dependency {item[:120]!r} is fetched from a URL"))
        elif isinstance(item, str) and "::" in item and item.split("::")[0].strip().lower() not in KNOWN_CHANNELS:
            issues.append(_issue(name, Severity.MEDIUM, f"conda dependency {item[:120]!r} names a user channel"))
        elif isinstance(item, dict):
            issues.extend(requirement_issues(name, _strings(item.get("pip"))))
    return issues[:MAX_ISSUES]


def _logical_lines(text: str) -> list[str]:
    """pip's reading: a trailing backslash joins lines, ``#`` after whitespace (or at the start) starts a comment."""
    joined = re.sub(r"\\\r?\n", "", text)
    return [re.sub(r"(^|\s)#.*$", "", line).strip() for line in joined.splitlines()]


def requirement_issues(name: str, lines: list[str]) -> list[Issue]:
    issues: list[Issue] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        option, _, rest = _option(line)
        if option in _INDEX_OPTIONS and option != "--trusted-host" and _vendor(rest):
            continue  # PyPI itself, PyTorch's, NVIDIA's, PyG's and JAX's own wheel indexes (TLS, vendor-operated)
        if option in ("-f", "--find-links") and not _VCS_OR_URL.search(rest) and not escapes_folder(rest):
            issues.append(_issue(name, Severity.MEDIUM, f"{option} {rest[:100]!r}: pip installs wheels shipped in the "
                                 "model folder (a wheel's .pth file runs at every interpreter start): not verified"))
        elif option in _INDEX_OPTIONS:
            issues.append(_issue(name, Severity.HIGH, f"{option} {rest[:100]!r}: pip installs from a package server "
                                 "of the file's choice (setup.py of any package it serves runs)"))
        elif option in _INCLUDE_OPTIONS:
            if _VCS_OR_URL.search(rest) or escapes_folder(rest):
                issues.append(_issue(name, Severity.HIGH, f"{option} {rest[:100]!r}: pip reads requirements from "
                                     "outside the model folder"))
        elif option in _EDITABLE or option is None:
            issues.extend(_requirement(name, rest if option else line, editable=option is not None))
        if len(issues) >= MAX_ISSUES:
            break
    return issues


def _option(line: str) -> tuple[str | None, str, str]:
    """(option, separator, argument) for ``--opt=value``, ``--opt value``, ``-i value``, ``-ivalue``."""
    if line.startswith("--"):
        match = re.match(r"(--[A-Za-z-]+)\s*=?\s*(.*)$", line)
        if match is None:
            return line, "", ""
        return _long_option(match.group(1)), "=", match.group(2).strip()
    if line.startswith("-"):
        return line[:2], "=", line[2:].lstrip(" \t=")
    return None, "", line


_LONG_OPTIONS = ("--index-url", "--extra-index-url", "--find-links", "--trusted-host", "--requirement", "--constraint",
                 "--editable")


def _vendor(url: str) -> bool:
    lowered = url.strip().lower()
    return any(lowered.startswith(v) or lowered == v.rstrip("/") for v in VENDOR_INDEXES)


def _long_option(option: str) -> str:
    """The option pip takes ``option`` for: its requirement-file parser is ``optparse``, which accepts any unambiguous
    prefix (``--extra-ind URL`` is ``--extra-index-url URL``; session 7: pip's own parser took such an index)."""
    if option in _LONG_OPTIONS or len(option) < 4:
        return option
    return next((full for full in _LONG_OPTIONS if full.startswith(option.lower())), option)


def _requirement(name: str, spec: str, *, editable: bool) -> list[Issue]:
    spec = spec.split(";")[0].strip()  # environment markers
    direct = _DIRECT.search(spec)
    target = direct.group(1) if direct else spec.split()[0] if spec else ""
    if _vendor(target):
        return []
    if _VCS_OR_URL.search(target):
        local = target.lower().startswith("file:")
        path = re.sub(r"^file:(//)?", "", target, flags=re.I)
        if local and not escapes_folder(path):
            return [_issue(name, Severity.MEDIUM, f"{spec[:120]!r}: installs a package from the model folder: its "
                           "setup code runs at install, not verified")]
        return [_issue(name, Severity.HIGH, f"{spec[:120]!r}: installed from a VCS, URL or path outside the folder "
                       "(its setup code runs at install: nobody scanned it)")]
    looks_local = target.startswith((".", "/", "\\", "~")) or "/" in target or "\\" in target or (
        len(target) > 1 and target[1] == ":") or target.endswith((".whl", ".tar.gz", ".zip"))
    if looks_local or editable:
        if escapes_folder(target) or target.startswith("~"):
            return [_issue(name, Severity.HIGH, f"{spec[:120]!r}: installs a local package outside the model folder")]
        return [_issue(name, Severity.MEDIUM, f"{spec[:120]!r}: installs a package from the model folder: its setup "
                       "code runs at install, not verified")]
    return []


def _issue(name: str, severity: Severity, what: str) -> Issue:
    return Issue(IssueKind.EMBEDDED_CODE, severity, f"{name}: environment restore (MLflow, conda): {what}",
                 evidence={"file": name[-120:]})
