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
from collections.abc import Iterator
from typing import Any

from mlsecure.artifacts.scan.config_imports import escapes_folder
from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.artifacts.scan.typosquats import likely_intended
from mlsecure.findings import Severity

_REQUIREMENTS = re.compile(r"(?:^|[-_.])requirements?(?:[-_.][\w.-]*)?\.(?:txt|in)$|^constraints?\.txt$", re.I)
_CONDA = frozenset({"conda.yaml", "conda.yml", "environment.yaml", "environment.yml"})
_PYTHON_ENV = frozenset({"python_env.yaml", "python_env.yml"})
# options that point pip at another package server (any sdist it serves runs setup.py on install)
_INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host"})
_INCLUDE_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint"})
_EDITABLE = frozenset({"-e", "--editable"})
_VCS_OR_URL = re.compile(r"^(?:git|hg|svn|bzr)\+|^[A-Za-z][A-Za-z0-9+.-]*://|^file:", re.I)
_PINNED_COMMIT = re.compile(r"@[0-9a-fA-F]{40}(?:$|[#?&])")  # a full commit SHA as the VCS revision
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


def environment_issues(name: str, text: str, raw: bytes | None = None) -> list[Issue]:
    kind = environment_kind(name)
    if raw is not None and kind in ("requirements", None):
        text = pip_decoded(raw, text)
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


_WHEEL = re.compile(r"\.whl(?:$|[#?;\s])", re.I)


def _pip_url(line: str) -> bool:
    """A VCS requirement, a wheel, ``#egg=``: string tests first (one regex with alternatives scanned a 9 MB
    single-line tokenizer position by position once the sniff had no size cut)."""
    lowered = line.lower()
    return lowered.startswith(("git+", "hg+", "svn+", "bzr+")) or "#egg=" in lowered or (
        ".whl" in lowered and _WHEEL.search(lowered) is not None)
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
MAX_SNIFFED = 1024**2  # YAML environment files of other names are sniffed up to this size
_LINES_BEFORE_PRECHECK = 10_000
_BLANKS = re.compile(r"\s*")
# an option first on a line (after blanks or continuation backslashes; str.splitlines also breaks at these characters)
_OPTION_LINE = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029][ \t\\]*-")
_ELSEWHERE = ("://", "git+", "hg+", "svn+", "bzr+", ".whl", "#egg=", "file:", "FILE:", "File:")


def _may_install_elsewhere(text: str) -> bool:
    """Some line could be an option or a VCS/URL/wheel/file requirement (literal searches; case-folded schemes are
    rare enough to test the three spellings of ``file:``, URLs carry ``://`` whatever their case)."""
    return text.lstrip(" \t\\").startswith("-") or _OPTION_LINE.search(text) is not None \
        or any(marker in text for marker in _ELSEWHERE) or ("+" in text and _VCS_ANYCASE.search(text) is not None)


_VCS_ANYCASE = re.compile(r"(?:git|hg|svn|bzr)\+", re.IGNORECASE)


def looks_like_requirements(text: str) -> bool:
    """A requirements file under another name (TorchServe's ``requirementsFile``, ``-r deps.txt``): every line is a
    requirement, a pip option or a VCS/URL requirement, and at least one line installs from elsewhere. Only that last
    kind of line can change the verdict, so a list of labels (``cat``, ``dog``) is never judged."""
    start = _BLANKS.match(text)
    first = text[start.end():start.end() + 1] if start else ""
    if first and not first.isalnum() and first not in "-#./\\~":
        return False  # JSON, XML, a tokenizer: a requirements file starts with a name, an option, a path or a comment
    if "\x00" in text:
        return False
    # no size cut (session 8: a 1 MiB ``deps.txt`` that a ``-r deps.txt`` includes hid an index option past the first
    # version's cut): the parse stops at the first line that is no requirement (a tokenizer, a log, labels of two
    # words: a line or two); a long list of one-word lines is read on only if some line may install from elsewhere
    risky = False
    for count, line in enumerate(_iter_logical_lines(text)):
        if count == _LINES_BEFORE_PRECHECK and not risky and not _may_install_elsewhere(text):
            return False
        if not line:
            continue
        option = _option(line)[0]
        if option is not None and option in _PIP_OPTIONS:
            risky = risky or option in _INDEX_OPTIONS or option in _EDITABLE or option in _INCLUDE_OPTIONS
        elif option is None and (line[0].isalnum() or line[0] in "./\\~") and (_DIRECT.search(line) or _pip_url(line)):
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
    return worst_kept(issues, MAX_ISSUES, f"{name}: ")


_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's COMMENT_RE
_COOKIE = re.compile(rb"coding[:=]\s*([-\w.]+)")  # pip's ENCODING_RE (PEP 263), searched in the first two lines


def pip_decoded(raw: bytes, text: str) -> str:
    """The text as pip's ``auto_decode`` reads a requirements file: a PEP 263 coding cookie in one of the first two
    lines (after a byte-order mark check) names the codec (session 8: ``# coding: utf-7`` hid ``+AC0-+AC0-index-url``,
    which pip read as ``--index-url``); a codec pip would fail on leaves ``text`` (nothing is installed then)."""
    if raw[:3] == b"\xef\xbb\xbf" or raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] == b"\x00\x00\xfe\xff":
        return text  # a byte-order mark: decoded as pip does by decode_text
    start = 0
    for _ in range(2):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        match = _COOKIE.search(raw, start, end) if raw[start:start + 1] == b"#" else None
        start = end + 1
        if match is not None:
            try:
                return raw.decode(match.group(1).decode("ascii"))
            except (LookupError, UnicodeError, ValueError):
                return text
    return text


def _logical_lines(text: str) -> list[str]:
    return list(_iter_logical_lines(text))


def _iter_logical_lines(text: str) -> Iterator[str]:
    """pip's reading (``join_lines``, ``ignore_comments``): a trailing backslash joins a line to the next, except on a
    comment line (session 8: ``# note \\`` then ``--extra-index-url ...`` was joined into the comment here while pip
    read the option), then ``#`` at the start or after whitespace starts a comment."""
    if "\\" not in text:  # no continuation: one line at a time
        for line in _physical_lines(text):
            yield _uncommented(line)
        return
    pending: list[str] = []
    for line in _physical_lines(text):
        comment = _COMMENT.match(line) is not None
        if not line.endswith("\\") or comment:
            if pending:
                pending.append(" " + line if comment else line)
                line = "".join(pending)
                pending = []
            yield _uncommented(line)
        else:
            pending.append(line.strip("\\"))
    if pending:
        yield _uncommented("".join(pending))


_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines (and so pip) breaks lines
_PHYSICAL = re.compile(f"([^{_BREAKS}]*)(?:\r\n|[{_BREAKS}]|$)")


def _physical_lines(text: str) -> Iterator[str]:
    """``text.splitlines()``, lazily for a long text: the sniff stops at its first line that is no requirement, and
    splitting a 1 MB label file whole cost more than the rest of its scan (an extra empty last line is harmless)."""
    if len(text) <= 65_536:
        yield from text.splitlines()
        return
    for match in _PHYSICAL.finditer(text):
        yield match.group(1)


def _uncommented(line: str) -> str:
    """pip's ``COMMENT_RE.sub("", line).strip()``: cut at the first ``#`` that starts the line or follows whitespace
    (found with ``str.find``: the regex scans a 9 MB single-line tokenizer position by position)."""
    at = line.find("#")
    while at > 0 and not line[at - 1].isspace():
        at = line.find("#", at + 1)
    return (line if at < 0 else line[:at]).strip()


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
    return worst_kept(issues, MAX_ISSUES, f"{name}: ")


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
        if _PINNED_COMMIT.search(target):
            # session 8, kept high: GitHub serves a fork's commits through the upstream repository's URL ("imposter
            # commits"), so a full SHA under a well-known project's name does not prove the code is that project's
            return [_issue(name, Severity.HIGH, f"{spec[:120]!r}: installed from a VCS at a pinned commit (its setup "
                           "code runs at install; a commit SHA under a project's URL may be a fork's, GitHub serves "
                           "both): pin a released version from the index, with --hash, instead")]
        return [_issue(name, Severity.HIGH, f"{spec[:120]!r}: installed from a VCS, URL or path outside the folder "
                       "(its setup code runs at install: nobody scanned it)")]
    looks_local = target.startswith((".", "/", "\\", "~")) or "/" in target or "\\" in target or (
        len(target) > 1 and target[1] == ":") or target.endswith((".whl", ".tar.gz", ".zip"))
    if looks_local or editable:
        if escapes_folder(target) or target.startswith("~"):
            return [_issue(name, Severity.HIGH, f"{spec[:120]!r}: installs a local package outside the model folder")]
        return [_issue(name, Severity.MEDIUM, f"{spec[:120]!r}: installs a package from the model folder: its setup "
                       "code runs at install, not verified")]
    intended = likely_intended(project_name(spec)) if project_name(spec) else None
    if intended is not None:
        return [_issue(name, Severity.MEDIUM, f"{spec[:120]!r}: not among the 15,000 most-downloaded PyPI projects "
                       f"and one typo from {intended!r}: a typosquat's setup code runs at install (did you mean "
                       f"{intended!r}?)", evidence={"file": name[-120:], "likely": intended})]
    return []


def project_name(spec: str) -> str:
    """The project name a named requirement starts with (``reqeusts[socks]>=2 --hash=...`` -> ``reqeusts``); ``""``
    when what follows the name is not extras, a version specifier, a marker or an option."""
    match = _PROJECT.match(spec)
    return match.group(1) if match else ""


_PROJECT = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:$|[\[(;=<>!~,]|\s)")


def _issue(name: str, severity: Severity, what: str, evidence: dict[str, Any] | None = None) -> Issue:
    return Issue(IssueKind.EMBEDDED_CODE, severity, f"{name}: environment restore (MLflow, conda): {what}",
                 evidence=evidence or {"file": name[-120:]})
