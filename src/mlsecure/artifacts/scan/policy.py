"""Allowlist-first policy for the globals a pickle imports.

``classify(module, name)`` never imports anything. Three outcomes:

* ``safe``: exactly what legitimate PyTorch, NumPy, scikit-learn, SciPy, pandas, joblib and
  ``collections`` checkpoints need (tensor rebuilders, dtypes, estimator classes...);
* ``critical``: a known code-execution callable (``os.system``, ``builtins.eval``, ``pip.main``,
  ``runpy``...) or a resolver gadget that reaches any attribute or module (``getattr``,
  ``operator.attrgetter``, ``pkgutil.resolve_name``, dunder attributes such as ``__builtins__``);
* ``medium`` ("unverified import"): anything else, so an unknown dangerous callable never passes.

Dotted names (protocol 4 ``STACK_GLOBAL`` resolves ``logging`` + ``os.system`` to ``os.system``) are
judged by every module they pass through, not only by the first one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlsecure.artifacts.scan.interface import IssueKind
from mlsecure.findings import Severity


@dataclass(frozen=True)
class Judgement:
    severity: Severity
    kind: IssueKind
    reason: str

    @property
    def safe(self) -> bool:
        return self.severity <= Severity.LOW


SAFE = Judgement(Severity.INFO, IssueKind.UNVERIFIED_IMPORT, "allowlisted")

# --- the allowlist ---------------------------------------------------------------------------
_BUILTINS_SAFE = frozenset({"set", "frozenset", "slice", "range", "complex", "bytearray", "bytes", "dict", "list",
                            "tuple", "int", "float", "bool", "str", "object", "NoneType", "Ellipsis",
                            "NotImplemented"})
_TORCH_DTYPES = frozenset({
    "float32", "float", "float64", "double", "float16", "half", "bfloat16", "complex32", "complex64", "cfloat",
    "complex128", "cdouble", "uint8", "int8", "int16", "short", "int32", "int", "int64", "long", "bool",
    "uint16", "uint32", "uint64", "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "float8_e4m3fn",
    "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "bits8", "bits16",
})
_TORCH_MISC = frozenset({"Size", "Tensor", "device", "strided", "sparse_coo", "sparse_csr", "sparse_csc",
                         "sparse_bsr", "sparse_bsc", "_mkldnn", "per_tensor_affine", "per_channel_affine",
                         "per_tensor_symmetric", "per_channel_symmetric", "per_channel_affine_float_qparams",
                         "contiguous_format", "channels_last", "channels_last_3d", "preserve_format", "dtype",
                         "layout", "memory_format", "qscheme", "finfo", "iinfo"})
_EXACT: dict[str, frozenset[str]] = {
    "collections": frozenset({"OrderedDict", "defaultdict", "deque", "Counter"}),
    "copyreg": frozenset({"_reconstructor"}),
    "copy_reg": frozenset({"_reconstructor"}),
    "_codecs": frozenset({"encode"}),
    "functools": frozenset({"partial"}),
    "datetime": frozenset({"datetime", "date", "time", "timedelta", "timezone"}),
    "decimal": frozenset({"Decimal"}),
    "fractions": frozenset({"Fraction"}),
    "uuid": frozenset({"UUID"}),
    "pathlib": frozenset({"PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path"}),
    "numpy": frozenset({"dtype", "ndarray", "bool_", "float64", "float32", "float16", "int64", "int32", "int16",
                        "int8", "uint8", "uint16", "uint32", "uint64", "complex64", "complex128", "str_",
                        "bytes_", "void", "object_", "datetime64", "timedelta64", "matrix", "longdouble",
                        "clongdouble", "generic", "number", "integer", "floating"}),
    "numpy.core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy.core.numeric": frozenset({"_frombuffer"}),
    "numpy._core.numeric": frozenset({"_frombuffer"}),
    "numpy.ma.core": frozenset({"_mareconstruct", "MaskedArray", "MaskedConstant"}),
    "numpy.random._pickle": frozenset({"__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor"}),
    "numpy.random.mtrand": frozenset({"RandomState"}),
    "numpy.random._generator": frozenset({"Generator"}),
    "numpy.random._mt19937": frozenset({"MT19937"}),
    "numpy.random._pcg64": frozenset({"PCG64", "PCG64DXSM"}),
    "numpy.random._philox": frozenset({"Philox"}),
    "numpy.random._sfc64": frozenset({"SFC64"}),
    "numpy.random.bit_generator": frozenset({"SeedSequence"}),
    "joblib.numpy_pickle": frozenset({"NumpyArrayWrapper"}),
    "pyarrow.lib": frozenset({"_restore_array", "type_for_alias", "_reconstruct_table", "_reconstruct_record_batch",
                              "schema", "field", "py_buffer", "table", "array", "chunked_array", "string",
                              "large_string", "int64", "float64", "timestamp",
                              "binary", "bool_", "int32", "float32", "list_", "struct", "dictionary"}),
    "torch": _TORCH_DTYPES | _TORCH_MISC,
    "torch._tensor": frozenset({"_rebuild_from_type_v2", "Tensor"}),
    "torch.serialization": frozenset({"_get_layout"}),
    "torch.nn.parameter": frozenset({"Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"}),
    "torch.jit._pickle": frozenset({"build_tensor_from_id", "restore_type_tag", "build_intlist", "build_doublelist",
                                    "build_boollist", "build_tensorlist"}),
    "torch.storage": frozenset({"TypedStorage", "UntypedStorage"}),
    "torch.cuda": frozenset({"FloatStorage", "DoubleStorage", "HalfStorage", "LongStorage", "IntStorage",
                             "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "BFloat16Storage"}),
    "torch.types": frozenset({"Storage"}),
}
# Library namespaces whose *classes* are safe to name (their constructors do not run user code) and
# whose pickling helpers follow a fixed naming scheme.
_CLASS_NAMESPACES = ("sklearn.", "scipy.", "pandas.", "torch.nn.modules.", "torch.optim.", "numpy.dtypes",
                     "torch.nn.utils.", "torch.ao.nn.", "torch.distributions.", "xgboost.", "lightgbm.",
                     "catboost.", "__torch__.", "pyarrow.")
_HELPER_NAME = re.compile(r"^(__pyx_unpickle_\w+|_new_\w+|_unpickle\w*|_reconstruct\w*|_rebuild\w*|newObj)$")
_CLASS_NAME = re.compile(r"^_?[A-Z][A-Za-z0-9_]*$")
_SPARSE_NAME = re.compile(r"^(csr|csc|coo|bsr|dia|dok|lil)_(matrix|array)$")

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
    "lzma", "operator", "_operator", "builtins", "__builtin__", "__builtins__", "_thread", "threading",
    "weakref", "ctypes.util", "yaml", "jinja2", "keras", "tensorflow", "joblib", "numexpr", "uuid",
    "platform", "logging", "_sitebuiltins", "linecache", "tokenize", "encodings", "codecs", "copyreg",
    "copy_reg", "functools", "posixpath", "ntpath", "genericpath", "unittest", "test", "sre_compile",
    "_imp", "_frozen_importlib", "_frozen_importlib_external", "__main__pickle",
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
)
RESOLVER_NAMES = frozenset({
    "getattr", "setattr", "delattr", "__import__", "import_module", "attrgetter", "methodcaller", "itemgetter",
    "resolve_name", "locate", "getattr_static", "find_class", "_getattribute", "get_attr", "globals", "locals",
    "vars", "__getattribute__", "__getattr__", "type", "_resolve_name", "getmembers", "import_string",
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
    "dump", "dumps", "save", "savez", "unsafe_load", "full_load", "Template", "render", "from_string",
    "_start", "_UnixSubprocessTransport", "create_subprocess_exec", "create_subprocess_shell", "rununittest",
    "runstring", "load_config", "compile_file", "get", "InteractiveInterpreter", "InteractiveConsole",
    "Thread", "Process", "Pool", "system_profile", "setprofile", "settrace", "modules", "__code__", "__globals__",
})
_DANGEROUS_TOKEN = re.compile(r"(exec|eval|system|popen|spawn|subprocess|shell|compile|import|pickle|marshal|"
                              r"socket|_load|load_|unsafe|inject)", re.IGNORECASE)


def classify(module: str, name: str) -> Judgement:
    """Judge the global ``module``.``name`` (``name`` may be dotted) without importing it."""
    module = module.strip()
    name = name.strip()
    if not module or not name or not _is_identifier_path(module) or not _is_identifier_path(name):
        return Judgement(Severity.HIGH, IssueKind.DYNAMIC_CALL, "malformed global name")
    if module in ("__builtin__", "__builtins__"):
        module = "builtins"
    parts = name.split(".")
    full = f"{module}.{name}"
    # 1. exact allowlist (a dotted name is never allowlisted: it is attribute traversal)
    if len(parts) == 1 and _allowlisted(module, name):
        return SAFE
    # 2. dunder attributes anywhere in the name reach interpreter internals
    for part in parts:
        if part.startswith("__") and part.endswith("__") and len(part) > 4:
            return Judgement(Severity.CRITICAL, IssueKind.RESOLVER_GADGET,
                             f"dunder attribute {part} reaches interpreter internals")
    # 3. resolver gadgets
    if parts[-1] in RESOLVER_NAMES or (module in ("inspect", "pydoc", "pkgutil", "importlib") and parts[-1]):
        return Judgement(Severity.CRITICAL, IssueKind.RESOLVER_GADGET,
                         f"{full} resolves arbitrary attributes or modules")
    # 4. known dangerous modules, anywhere along the dotted path (logging + os.system is os.system)
    chain = [*module.split("."), *parts]
    first_attr = len(chain) - len(parts)
    for i in range(len(chain)):
        head = ".".join(chain[: i + 1])
        if head in DANGEROUS_MODULES or (i >= first_attr and i > 0 and chain[i] in DANGEROUS_MODULES):
            if module == "builtins" and len(parts) == 1 and name in _BUILTINS_SAFE:
                break
            return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                             f"{full} belongs to {head if head in DANGEROUS_MODULES else chain[i]}, "
                             "which can run code, touch files or the network")
    for subtree in DANGEROUS_SUBTREES:
        if full == subtree or full.startswith(subtree + ".") or (full.startswith(subtree) and subtree.endswith("_")):
            return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                             f"{full} is in {subtree}, which loads files or runs code")
    # 5. dangerous callable names in modules we do not know
    if parts[-1] in DANGEROUS_NAMES:
        return Judgement(Severity.CRITICAL, IssueKind.DANGEROUS_IMPORT,
                         f"{full}: a callable named {parts[-1]!r} outside the allowlist")
    if len(parts) > 1:
        return Judgement(Severity.HIGH, IssueKind.DYNAMIC_CALL,
                         f"{full}: dotted name traverses attributes of {module}")
    if _DANGEROUS_TOKEN.search(name):
        return Judgement(Severity.HIGH, IssueKind.UNVERIFIED_IMPORT,
                         f"{full}: unverified callable whose name suggests code execution")
    return Judgement(Severity.MEDIUM, IssueKind.UNVERIFIED_IMPORT, f"{full} is not on the allowlist")


def _allowlisted(module: str, name: str) -> bool:
    names = _EXACT.get(module)
    if names is not None and name in names:
        return True
    if module == "builtins":
        return name in _BUILTINS_SAFE
    if module == "torch" and name.endswith("Storage") and _CLASS_NAME.match(name):
        return True
    if module == "torch._utils":
        return name.startswith("_rebuild_")
    for subtree in DANGEROUS_SUBTREES:
        if f"{module}.{name}".startswith(subtree):
            return False
    if module.startswith(_CLASS_NAMESPACES) or module + "." in _CLASS_NAMESPACES:
        if _CLASS_NAME.match(name):
            return True
        if _HELPER_NAME.match(name):
            return True
        if module.startswith("scipy.sparse") and _SPARSE_NAME.match(name):
            return True
    return False


def _is_identifier_path(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
