"""Rebuild benchmarks/README.md (run after changing a benchmarks/*.md file): its intro and data-loading
section are kept, the index table is written from ``ROWS``, and every per-capability file follows with its
headings demoted one level (code blocks untouched)."""
import re
from pathlib import Path

B = Path(__file__).resolve().parents[1] / "benchmarks"
readme = (B / "README.md").read_text()
intro = readme[:readme.index("| capability | script |")]
data_loading = readme[readme.index("## Data loading"):readme.index("## Robustness benchmark")]
ROWS = [
    ("data loading", "bench_data_loading.py", "pandas.read_csv", "one read of the file"),
    ("adversarial robustness", "bench_robustness.py", "ART, Foolbox, torchattacks", "bare PyTorch PGD loop"),
    ("certified robustness", "bench_certify.py", "ART randomized smoothing",
     "bare torch loop of the same forward passes"),
    ("model-file scanning", "bench_artifact_scan.py", "picklescan, modelscan, fickling", "`cat` / one read pass"),
    ("model-file scanning, peers' own test suites", "bench_artifact_peers.py",
     "modelaudit, picklescan, fickling, modelscan", "-"),
    ("PII audit", "bench_pii.py", "Presidio (regex recognizers)", "one pass over bytes; regex per column"),
    ("PII, Presidio's own test strings", "bench_pii_corpus.py", "Presidio (regex recognizers)", "-"),
    ("PII in free text, peers' labelled test cases", "bench_pii_peers.py", "Presidio (regex recognizers)", "-"),
    ("PII in real text labelled by people (wikigold, CoNLL-2003, tweets, libpostal addresses)",
     "bench_pii_peers2.py", "-", "-"),
    ("signing", "bench_signing.py", "OpenSSF model_signing", "sha256sum, in-memory SHA-256 / BLAKE3"),
    ("encryption at rest", "bench_encryption.py", "openssl enc, age (pyrage)",
     "`cat > out && sync`, in-memory AES-GCM"),
    ("audit log", "bench_audit.py", "logging.FileHandler", "bare SQLite INSERT"),
    ("gateway", "bench_gateway.py", "raw-ASGI + orjson server without security (like for like); naive FastAPI",
     "the model's own predict_proba"),
    ("gateway in front of a model server", "bench_gateway_upstream.py", "MLServer called directly", "-"),
    ("membership inference", "bench_membership.py", "ART black-box MIA", "–"),
    ("DP accounting", "bench_dp.py", "dp-accounting, Opacus", "–"),
    ("poisoning", "bench_poisoning.py, poisoning_suite.py", "ART activation clustering, spectral signatures",
     "one covariance pass"),
    ("federated aggregation", "bench_federated.py", "Flower's aggregate functions", "one np.mean pass"),
    ("extraction", "bench_extraction.py", "see section", "see section"),
    ("secrets", "bench_secrets.py", "detect-secrets", "see section"),
    ("secrets on real public ML repositories (false positives, planted recall)", "bench_secrets_real_repos.py",
     "-", "-"),
    ("fairness", "bench_fairness.py", "fairlearn (same rows bootstrap design)", "numpy row-by-row bootstrap"),
    ("train/serve drift", "bench_drift.py", "scipy per-column tests (evidently does not import with pandas 3)",
     "one np.sort per column"),
    ("PII audit/anonymize on Spark; reference models, registry scan, robustness shards on Ray; Flower simulation",
     "bench_scale.py", "Spark local[1]/[2], Ray x1/x2, Flower's simulation runtime", "the local engine, in process"),
]
table = "| capability | script | peer(s) | floor |\n|---|---|---|---|\n" + "".join(
    f"| {a} | `{b}` | {c} | {d} |\n" for a, b, c, d in ROWS) + "\n"
def demote(text: str) -> str:
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"^#+ ", line):
            line = "#" + line
        out.append(line)
    return "\n".join(out) + "\n"


ORDER = ["robustness", "certify", "artifact_scan", "pii", "signing", "encryption", "audit", "gateway",
         "membership", "poisoning", "federated", "extraction", "secrets", "fairness", "drift", "scale"]
parts = [intro, table, data_loading]
for name in ORDER:
    text = (B / f"{name}.md").read_text()
    text = demote(text)
    parts.append(text.rstrip() + "\n\n")
(B / "README.md").write_text("".join(parts).rstrip() + "\n")
