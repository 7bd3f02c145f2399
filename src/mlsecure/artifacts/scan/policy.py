"""Allowlist-first policy for the globals a pickle imports.

``classify(module, name)`` never imports anything. Three outcomes:

* ``safe``: an exact ``(module, qualname)`` pair of ``allowlist.py`` (what real PyTorch, NumPy,
  scikit-learn, SciPy, pandas and joblib files import, each with its reason); no namespace wildcards;
* ``critical``: a known code-execution callable (``os.system``, ``builtins.eval``, ``pip.main``,
  ``runpy``...) or a resolver gadget that reaches any attribute or module (``getattr``,
  ``operator.attrgetter``, ``pkgutil.resolve_name``, dunder attributes such as ``__builtins__``);
* ``high``: a library class known to write files, open sockets or fork (``pyarrow.OSFile``, ``Listener``,
  ``Pool``...), a dotted name, a name that suggests code execution;
* ``medium`` ("unverified import"): anything else, so an unknown dangerous callable never passes, and a
  harmless builtin such as ``len`` is not reported as code execution.

An unlisted global is ``medium`` only while nothing calls it. ``called(judgement)`` raises it to ``high``
when the loader would run it (REDUCE, INST/OBJ, NEWOBJ, BUILD's ``__setstate__``, or an allowlisted
rebuild function handed the class): the denylist cannot name every importable callable, so outside the
allowlist a call fails ``--fail-on high`` whatever the callable is called (session 10). The same holds for a
global an allowlisted object stores and calls after loading (``stored_callables.py``: any global of an object's
state, since an instance attribute replaces the class's method of the same name; a ``defaultdict`` factory).

Dotted names (protocol 4 ``STACK_GLOBAL`` resolves ``logging`` + ``os.system`` to ``os.system``) are
judged by every module they pass through, not only by the first one.
"""

from __future__ import annotations

import _compat_pickle
import re
import sys
from dataclasses import dataclass

from mlsecure.artifacts.scan.allowlist import lookup
from mlsecure.artifacts.scan.interface import IssueKind
from mlsecure.findings import Severity


@dataclass(frozen=True)
class Judgement:
    severity: Severity
    kind: IssueKind
    reason: str
    unlisted: bool = False  # medium only because nothing lists it: neither allowed nor known to be dangerous

    @property
    def safe(self) -> bool:
        return self.severity <= Severity.LOW


SAFE = Judgement(Severity.INFO, IssueKind.UNVERIFIED_IMPORT, "allowlisted")

# The allowlist is exact ``(module, qualname)`` pairs with reasons: see allowlist.py.
# TorchScript archives name their scripted classes ``__torch__.<path>``: TorchScript resolves them from the
# archive's own ``code/`` (scanned separately); Python's importer has no ``__torch__`` module to run.
TORCHSCRIPT_CLASS_ROOT = "__torch__"

# --- the denylist (every hit is critical) ----------------------------------------------------
DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "subprocess", "_posixsubprocess", "_winapi", "pty", "socket", "_socket", "ssl",
    "webbrowser", "shutil", "sys", "code", "codeop", "pickle", "_pickle", "cPickle", "pickletools", "dill",
    "cloudpickle", "marshal", "types", "importlib", "imp", "zipimport", "pkgutil", "runpy", "inspect", "pydoc",
    "timeit", "cProfile", "profile", "trace", "pdb", "bdb", "doctest", "ctypes", "_ctypes", "multiprocessing",
    "concurrent", "asyncio", "signal", "pip", "venv", "ensurepip", "setuptools", "distutils", "_distutils_hack",
    "idlelib", "lib2to3", "tkinter", "turtle", "http", "urllib", "urllib2", "urllib3", "httplib", "requests",
    "aiohttp", "httpx", "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "nntplib", "xmlrpc",
    "socketserver", "commands", "popen2", "_osx_support", "_aix_support", "_pyrepl", "site", "sysconfig", "gc",
    "io", "_io", "tempfile", "fileinput", "glob", "mmap", "fcntl", "resource", "termios", "tty", "select",
    "selectors", "readline", "rlcompleter", "sqlite3", "dbm", "shelve", "tarfile", "zipfile", "gzip", "bz2",
    "lzma", "operator", "_operator", "__builtins__", "_thread", "threading",
    "weakref", "ctypes.util", "yaml", "jinja2", "keras", "tensorflow", "joblib", "numexpr", "uuid",
    "platform", "logging", "_sitebuiltins", "linecache", "tokenize", "encodings", "codecs", "copyreg",
    "copy_reg", "functools", "posixpath", "ntpath", "genericpath", "unittest", "test", "sre_compile",
    "_imp", "_frozen_importlib", "_frozen_importlib_external", "__main__pickle",
    # session 9 (round 6), each shown to run under pickle.loads here or named by a peer's advisory:
    # subinterpreters and CPython's test extensions run a source string (``_xxsubinterpreters.run_string``,
    # ``_testcapi.run_in_subinterp``); ``mailcap.findmatch`` runs an entry's ``test`` command (modelscan PR #346);
    # C twins of modules listed above (``_functools`` is ``functools``); modules that spawn (``pipes``,
    # ``pexpect``), write code or files (``compileall``, ``py_compile``, ``zipapp``, ``uu``), serve sockets
    # (``wsgiref``, ``smtpd``, ``asyncore``, ``asynchat``), write the registry or act on import (``antigravity``
    # opens a browser)
    "_xxsubinterpreters", "_interpreters", "_xxinterpchannels", "_interpchannels", "_interpqueues", "_testcapi",
    "_testinternalcapi", "_testmultiphase", "_testsinglephase", "_testbuffer", "_testimportmultiple",
    "_testclinic", "_xxtestfuzz", "mailcap", "_functools", "_signal", "_sqlite3", "_multiprocessing",
    "_posixshmem", "_tkinter", "_lsprof", "pipes", "pexpect", "compileall", "py_compile", "zipapp", "uu",
    "wsgiref", "smtpd", "asyncore", "asynchat", "syslog", "winreg", "_winreg", "msvcrt", "msilib", "_msi",
    "antigravity", "annotationlib",
    # session 10: the pickle scanners themselves (fickling #249 "ScannerDeactivation"): a pickle that imports one
    # removes or rewrites the safety hook or allowlist of the process that loads it (``fickling.hook.remove_hook``;
    # a SETITEM into ``mlsecure.artifacts.scan.allowlist.ALLOWLIST`` admitted ``os.system`` to ``load_model`` under
    # pickle.loads here)
    "fickling", "picklescan", "modelscan", "model_unpickler", "saferpickle", "modelaudit", "modelaudit_picklescan",
    "mlsecure",
})
# Subtrees of otherwise-trusted libraries that load files, compile or run code.
DANGEROUS_SUBTREES = (
    "numpy.testing", "numpy.f2py", "numpy.distutils", "numpy.lib.npyio", "numpy.lib.format", "numpy.ctypeslib",
    "numpy.lib.utils", "numpy._utils", "numpy.load", "numpy.loads", "numpy.fromfile", "numpy.save",
    "numpy.loadtxt", "numpy.genfromtxt", "numpy.memmap", "numpy.lib._npyio_impl", "numpy.lib._utils_impl",
    "torch.hub", "torch.utils.cpp_extension", "torch.jit", "torch.fx", "torch._dynamo", "torch._inductor",
    "torch.utils.bottleneck", "torch.utils._config_module", "torch.package", "torch.distributed",
    "torch.multiprocessing", "torch.serialization", "torch.load", "torch.save", "torch._C", "torch.ops",
    "torch.classes", "torch.testing", "torch.compile", "torch.utils.collect_env", "torch.export",
    "torch.backends", "torch.library", "torch._export", "torch.utils.data.datapipes", "torch._functorch",
    "torch.storage._load_from_bytes", "torch._weights_only_unpickler", "torch.utils.checkpoint",
    "sklearn.datasets", "sklearn.utils._testing", "sklearn.externals", "sklearn.utils._show_versions",
    "sklearn.utils.fixes", "pandas.io", "pandas.read_", "pandas.eval", "pandas.core.computation",
    "pandas.util", "pandas._testing", "scipy.io", "scipy.weave", "scipy._lib._testutils",
    # session 6: SymPy turns strings into code (``sympify``/``parse_expr`` call ``eval``, ``lambdify`` calls ``exec``)
    "sympy.sympify", "sympy.core.sympify", "sympy.parsing", "sympy.parse_expr", "sympy.lambdify",
    "sympy.utilities.lambdify",
    # session 6: Hugging Face loaders of remote code, callable with positional arguments from a pickle's REDUCE
    # (``pipeline``'s 15th parameter is ``trust_remote_code``; ``get_class_from_dynamic_module`` imports a module
    # of any repository or folder), and the Hub client, which downloads any file
    "transformers.pipeline", "transformers.pipelines.pipeline", "transformers.dynamic_module_utils",
    "diffusers.utils.dynamic_modules_utils", "huggingface_hub",
    # session 9: stdlib functions that evaluate a string argument (each ran ``os.getcwd`` under pickle.loads here):
    # ``typing.get_type_hints`` evaluates an object's string annotations, ``dataclasses._create_fn`` execs a
    # function definition whose defaults are code, ``warnings._getcategory`` imports any module
    "typing.get_type_hints", "typing._eval_type", "typing.evaluate_forward_ref", "typing_extensions.get_type_hints",
    "typing_extensions._eval_type", "typing_extensions.evaluate_forward_ref", "dataclasses._create_fn",
    "dataclasses._FuncBuilder", "warnings._getcategory", "warnings._setoption", "warnings._processoptions",
    # session 9: library code that runs commands or writes files (modelscan issue #338: MLflow's project runner;
    # NumPy's memmap class under its 2.x module path; torch's hipify rewrites a source tree, benchmark utilities
    # compile and run C++/valgrind, jiterator compiles CUDA source)
    "mlflow.projects", "mlflow.utils.process", "numpy.core.memmap", "numpy._core.memmap", "torch.utils.hipify",
    "torch.utils.benchmark", "torch.cuda.jiterator", "pkg_resources.run_script", "pkg_resources.load_entry_point",
    "conda.cli",
    # session 9: library functions that unpickle a file or bytes they are given (read for calls of pickle.load/loads,
    # torch/joblib/np.load in the installed libraries): torch's memory-snapshot helper unpickled a path from a pickle's
    # argument here (ran os.getcwd); NumPy 2's home of ``numpy.lib.format``; torch's model dumper
    "torch._utils._augment_memory_snapshot_stack_traces", "torch.utils.model_dump", "numpy.lib._format_impl",
    # session 9: functions of torch's and matplotlib's dependencies that ``eval`` a string argument (each ran
    # ``os.getcwd`` under pickle.loads here): mpmath's ``identify(x, constants=[<code>])``, fontTools'
    # ``buildConverters`` (a spec's ``type`` string, the spec an ``argparse.Namespace`` built by BUILD)
    "mpmath.identify", "mpmath.identification", "fontTools.ttLib.tables.otConverters.buildConverters",
)
# Builtins are judged by name: these run code, import, reach attributes or do I/O (critical); any other
# builtin outside the allowlist (min, sorted, map...) is an unverified import (medium), not critical.
DANGEROUS_BUILTINS = frozenset({
    "eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "input", "breakpoint", "help", "exit", "quit", "type", "super", "memoryview", "execfile", "apply", "reload",
    "file", "raw_input", "classmethod", "staticmethod", "property", "dir", "print",
})
# Library classes and functions that write files, open sockets or fork when constructed or called.
SIDE_EFFECT_NAMES = frozenset({
    "OSFile", "CompressedOutputStream", "FileOutputStream", "BufferedOutputStream", "RecordBatchStreamWriter",
    "RecordBatchFileWriter", "ParquetWriter", "new_stream", "new_file", "memory_map", "create_memory_map",
    "MemoryMappedFile", "output_stream", "open_output_stream", "Listener", "Client", "Pool", "ThreadPool",
    "ProcessPoolExecutor", "ThreadPoolExecutor", "SummaryWriter", "FileWriter", "to_csv", "to_pickle",
    "to_parquet", "savetxt", "tofile", "mmwrite", "savemat", "TemporaryFile", "NamedTemporaryFile", "mkdtemp",
    "mkstemp", "makedirs", "mkdir", "rename", "replace", "truncate", "chmod", "chown", "symlink", "link",
    # session 9: ``memmap(mode="w+")`` and ``torch.from_file(shared=True)`` create or overwrite files; WSGI servers
    "memmap", "from_file", "create_archive", "make_server",
})
RESOLVER_NAMES = frozenset({
    "getattr", "setattr", "delattr", "__import__", "import_module", "attrgetter", "methodcaller", "itemgetter",
    "resolve_name", "locate", "getattr_static", "find_class", "_getattribute", "get_attr", "globals", "locals",
    "vars", "__getattribute__", "__getattr__", "type", "_resolve_name", "getmembers", "import_string",
    # session 9, found by reading the installed libraries for functions that import a module named by an argument:
    # torch's pytree hooks, NumPy's ``add_newdoc``, SciPy's array-API ``clone_module`` (imports, then execs a star
    # import into a dict it is given)
    "enum_object_hook", "_defaultdict_deserialize", "add_newdoc", "clone_module",
    # session 9: Hydra's dotted-path resolvers (``hydra.utils.get_method("os.getcwd")`` and ``_locate`` ran it here)
    "_locate", "get_method", "get_class", "get_object",
    # session 9, a sweep of the installed packages for functions that import a parameter and getattr another:
    # SymPy's ``lazy_function("os", "getcwd")`` (ran through ``_rebuild_from_type_v2``), wrapt's ``resolve_path``,
    # gevent's ``_get_original``
    "lazy_function", "resolve_path", "_get_original",
})
DANGEROUS_NAMES = frozenset({
    "system", "popen", "popen2", "popen3", "exec", "eval", "execfile", "compile", "run", "call", "check_call",
    "check_output", "Popen", "getoutput", "getstatusoutput", "spawn", "spawnl", "spawnv", "spawnve", "spawnlp",
    "spawnvp", "posix_spawn", "posix_spawnp", "fork", "forkpty", "execl", "execv", "execve", "execvp", "execvpe",
    "load", "loads", "load_inline", "open", "open_code", "FileIO", "write_file", "runctx", "runcode", "runsource",
    "run_path", "run_module", "_run_pip", "main", "rmtree", "remove", "unlink", "rmdir", "removedirs", "kill",
    "urlopen", "urlretrieve", "create_connection", "connect", "_get_command_stdout", "_read_output",
    "_read_cmd_output", "pipe_pager", "pipepager", "getlincoef", "_eval_length", "debug_script", "interact",
    "breakpoint", "input", "help", "exit", "quit", "timeit", "repeat", "_forward_from_src", "reduce_graph_module",
    "execWrapper", "load_library", "CDLL", "PyDLL", "cdll", "LoadLibrary", "startfile", "write", "writelines",
    "dump", "dumps", "save", "savez", "savez_compressed", "unsafe_load", "full_load", "Template", "render",
    "from_string",
    "_start", "_UnixSubprocessTransport", "create_subprocess_exec", "create_subprocess_shell", "rununittest",
    "runstring", "load_config", "compile_file", "get", "InteractiveInterpreter", "InteractiveConsole",
    "Thread", "Process", "Pool", "system_profile", "setprofile", "settrace", "modules", "__code__", "__globals__",
    # session 9: the same evaluators under other modules' names (typing_extensions, pydantic and others re-export
    # ``get_type_hints``), subinterpreter runners, setuptools' script runner, mailcap's command runner
    "get_type_hints", "_create_fn", "run_string", "run_in_subinterp", "run_script", "findmatch",
    # session 9: config instantiators that import and call the ``_target_``/``class_path``/``type`` they are given
    # (Hydra's ``instantiate`` ran ``os.getcwd`` from a pickled dict; Lightning, detectron2, mmengine do the same)
    "instantiate", "instantiate_class", "build_from_cfg",
})
_DANGEROUS_TOKEN = re.compile(r"(exec|eval|system|popen|spawn|subprocess|shell|compile|import|pickle|marshal|"
                              r"socket|_load|load_|unsafe|inject)", re.IGNORECASE)


def classify(module: str, name: str) -> Judgement:
    """Judge the global ``module``.``name`` (``name`` may be dotted) without importing it.

    Protocol 0-2 pickles name Python 2 modules that ``pickle`` maps (``_compat_pickle``) before importing:
    the mapped name is judged too, and the worse verdict wins unless the original module does not exist
    in Python 3 (``__builtin__.xrange`` is ``builtins.range``).
    """
    module = module.strip()
    name = name.strip()
    mapped = compat_name(module, name)
    if mapped == (module, name):
        return _classify(module, name)
    judged = _classify(*mapped)
    if mapped[0] != module and module.split(".")[0] not in sys.stdlib_module_names:
        return judged
    raw = _classify(module, name)
    return raw if raw.severity > judged.severity else judged


def called(judgement: Judgement, by: str = "the loader calls it") -> Judgement:
    """The verdict on a global the loader calls (or the loaded object calls later, ``by`` says which): an unlisted
    one is high (its code runs, and what it does was never checked); listed, denied and safe verdicts stand."""
    if not judgement.unlisted:
        return judgement
    return Judgement(Severity.HIGH, judgement.kind, f"{judgement.reason}, and {by}: an unknown callable runs",
                     unlisted=True)


def compat_name(module: str, name: str) -> tuple[str, str]:
    """``pickle``'s Python 2 -> 3 renaming (what ``find_class`` imports when ``fix_imports`` is on)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        found: tuple[str, str] = _compat_pickle.NAME_MAPPING[(module, name)]
        return found
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def load_allowed(module: str, name: str) -> bool:
    """The load policy: what ``load_model``'s restricted unpickler may import (exact, smaller than the scan's)."""
    entry = lookup(*compat_name(module, name))
    return entry is not None and entry.load


def _classify(module: str, name: str) -> Judgement:
    if not module or not name or not _is_identifier_path(module) or not _is_identifier_path(name):
        return Judgement(Severity.HIGH, IssueKind.DYNAMIC_CALL, "malformed global name")
    if module in ("__builtin__", "__builtins__"):
        module = "builtins"
    parts = name.split(".")
    full = f"{module}.{name}"
    # 1. the exact allowlist (a dotted name is never listed: it is attribute traversal)
    entry = lookup(module, name)
    if entry is not None:
        return Judgement(Severity.INFO, IssueKind.UNVERIFIED_IMPORT, f"allowlisted: {entry.reason}")
    # 2. dunder attributes anywhere in the name reach interpreter internals
    for part in parts:
        if part.startswith("__") and part.endswith("__") and len(part) > 4:
            return Judgement(Severity.CRITICAL, IssueKind.RESOLVER_GADGET,
                             f"dunder attribute {part} reaches interpreter internals")
    if module == TORCHSCRIPT_CLASS_ROOT or module.startswith(TORCHSCRIPT_CLASS_ROOT + "."):
        return Judgement(Severity.INFO, IssueKind.UNVERIFIED_IMPORT,
                         "TorchScript class: resolved from the archive's code/, not imported by Python")
    # 3. resolver gadgets
    if parts[-1] in RESOLVER_NAMES or (module in ("inspect", "pydoc", "pkgutil", "importlib") and parts[-1]):
        return Judgement(Severity.CRITICAL, IssueKind.RESOLVER_GADGET,
                         f"{full} resolves arbitrary attributes or modules")
    if module == "builtins":
        if parts[0] in DANGEROUS_BUILTINS:
            return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                             f"{full} runs code, imports, reaches attributes or does I/O")
        if len(parts) > 1:
            return Judgement(Severity.HIGH, IssueKind.DYNAMIC_CALL, f"{full}: dotted name traverses attributes")
        return Judgement(Severity.MEDIUM, IssueKind.UNVERIFIED_IMPORT,
                         f"{full} is not on the allowlist (a builtin that does not run code by itself)", unlisted=True)
    # 4. known dangerous modules, anywhere along the dotted path (logging + os.system is os.system)
    chain = [*module.split("."), *parts]
    first_attr = len(chain) - len(parts)
    for i in range(len(chain)):
        head = ".".join(chain[: i + 1])
        if head in DANGEROUS_MODULES or (i >= first_attr and i > 0 and chain[i] in DANGEROUS_MODULES):
            return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                             f"{full} belongs to {head if head in DANGEROUS_MODULES else chain[i]}, "
                             "which can run code, touch files or the network")
    for subtree in DANGEROUS_SUBTREES:
        if full == subtree or full.startswith(subtree + ".") or (full.startswith(subtree) and subtree.endswith("_")):
            return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                             f"{full} is in {subtree}, which loads files or runs code")
    # 5. CPython's private modules (``_xxsubinterpreters``, ``_testcapi``...) are implementation details no model
    # file needs outside the allowlist's few entries; unlisted ones are not trusted as an unknown library would be
    top = chain[0]
    if top.startswith("_") and top in sys.stdlib_module_names:
        return Judgement(Severity.HIGH, IssueKind.DANGEROUS_IMPORT,
                         f"{full} belongs to CPython's private module {top}, outside the allowlist")
    # 6. dangerous callable names in modules we do not know
    if parts[-1] in DANGEROUS_NAMES:
        return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                         f"{full}: a callable named {parts[-1]!r} outside the allowlist")
    if parts[-1] in SIDE_EFFECT_NAMES:
        return Judgement(Severity.HIGH, IssueKind.DANGEROUS_IMPORT,
                         f"{full}: a class or function of this name writes files, opens sockets or forks")
    if len(parts) > 1:
        return Judgement(Severity.HIGH, IssueKind.DYNAMIC_CALL,
                         f"{full}: dotted name traverses attributes of {module}")
    if _DANGEROUS_TOKEN.search(name):
        return Judgement(Severity.HIGH, IssueKind.UNVERIFIED_IMPORT,
                         f"{full}: unverified callable whose name suggests code execution")
    return Judgement(Severity.MEDIUM, IssueKind.UNVERIFIED_IMPORT, f"{full} is not on the allowlist", unlisted=True)


def _is_identifier_path(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
