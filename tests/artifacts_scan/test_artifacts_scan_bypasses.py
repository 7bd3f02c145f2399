"""One regression test per published scanner bypass, named after its advisory (fickling's
``test_bypasses.py`` convention). Each payload is harmless and is never loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from scan_corpus import Sample

from mlsecure.artifacts.scan import IssueKind, Verdict, scan_file


def _scan(corpus: tuple[Path, list[Sample]], name: str) -> tuple[Verdict, set[str], set[IssueKind]]:
    folder, _ = corpus
    result = scan_file(folder / "malicious" / name)
    return (result.verdict, {str(i.evidence.get("global", "")) for i in result.issues},
            {i.kind for i in result.issues})


@pytest.mark.parametrize(("advisory", "name", "global_name"), [
    ("CVE-2025-1716 GHSA-655q-fx9r-782v pip.main", "GHSA-655q-fx9r-782v_pip_main.pkl", "pip.main"),
    ("GHSA-xp4f-hrf8-rxw7 ensurepip._run_pip", "GHSA-xp4f-hrf8-rxw7_ensurepip.pkl", "ensurepip._run_pip"),
    ("GHSA-v7x6-rv5q-mhwc timeit.timeit", "GHSA-v7x6-rv5q-mhwc_timeit.pkl", "timeit.timeit"),
    ("GHSA-955r-x9j8-7rhh _operator.attrgetter", "GHSA-955r-x9j8-7rhh_operator.pkl", "_operator.attrgetter"),
    ("CVE-2025-10157 asyncio subprocess transport", "CVE-2025-10157_asyncio.pkl",
     "asyncio.unix_events._UnixSubprocessTransport"),
    ("GHSA-84r2-jw7c-4r5q nested pickle.loads", "GHSA-84r2-jw7c-4r5q_nested.pkl", "_pickle.loads"),
    ("modelscan#330 numpy.__builtins__", "modelscan-330_numpy_builtins.pkl", "numpy.__builtins__"),
    ("picklescan universal bypass pkgutil.resolve_name", "pkgutil_resolve_name.pkl", "pkgutil.resolve_name"),
    ("picklescan#74 importlib.import_module", "importlib_import_module.pkl", "importlib.import_module"),
])
def test_denylist_gaps_of_peer_scanners(corpus: tuple[Path, list[Sample]], advisory: str, name: str,
                                        global_name: str) -> None:
    verdict, globals_seen, _ = _scan(corpus, name)
    assert verdict is Verdict.MALICIOUS, advisory
    assert global_name in globals_seen, advisory


def test_picklescan_issue_22_stack_global_operands_from_memo(corpus: tuple[Path, list[Sample]]) -> None:
    verdict, globals_seen, _ = _scan(corpus, "memo_stack_global.pkl")
    assert verdict is Verdict.MALICIOUS
    assert "os.system" in globals_seen
    assert "collections.OrderedDict" not in globals_seen  # the decoy strings were popped, never imported


def test_dotted_protocol4_name_logging_os_system(corpus: tuple[Path, list[Sample]]) -> None:
    verdict, globals_seen, _ = _scan(corpus, "dotted_proto4.pkl")
    assert verdict is Verdict.MALICIOUS and "logging.os.system" in globals_seen


@pytest.mark.parametrize(("advisory", "name"), [
    ("GHSA-7q5r-7gvp-wc82 local name differs from central directory", "GHSA-7q5r-7gvp-wc82_name.pt"),
    ("GHSA-w8jq-xcqf-f792 zip flag bits", "GHSA-w8jq-xcqf-f792_flags.pt"),
    ("CVE-2025-10156 bad CRC", "CVE-2025-10156_crc.pt"),
    ("GHSA-769v-p64c-89pr non-standard extension", "GHSA-769v-p64c-89pr_ext.bin"),
])
def test_torch_zip_tricks(corpus: tuple[Path, list[Sample]], advisory: str, name: str) -> None:
    verdict, globals_seen, _ = _scan(corpus, name)
    assert verdict is Verdict.MALICIOUS, advisory
    assert {"posix.system", "nt.system"} & globals_seen, advisory


def test_fickling_pop_hides_call_result(tmp_path: Path) -> None:
    """fickling: a call whose result is POPped vanished from its AST (reported LIKELY_SAFE)."""
    payload = (b"\x80\x04\x8c\x02os\x8c\x06getcwd\x93)R0\x8c\x02ok."
               )
    path = tmp_path / "pop.pkl"
    path.write_bytes(payload)
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS
    assert any(i.evidence.get("global") == "os.getcwd" for i in result.issues)


def test_legacy_torch_every_stacked_pickle(corpus: tuple[Path, list[Sample]]) -> None:
    verdict, _, _ = _scan(corpus, "torch_legacy_second_pickle.pt")
    assert verdict is Verdict.MALICIOUS


def test_joblib_payload_after_inline_array(corpus: tuple[Path, list[Sample]]) -> None:
    verdict, _globals, kinds = _scan(corpus, "joblib_after_array.joblib")
    assert verdict is Verdict.MALICIOUS
    assert IssueKind.MALFORMED not in kinds  # the 32 kB array was skipped by its exact size
