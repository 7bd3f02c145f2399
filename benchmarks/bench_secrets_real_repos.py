"""Findings at >= medium on real public repositories (false positives), and planted recall on their layouts.

Trees come from ``benchmarks/extract_repo_tree.py`` (one directory per ``owner+name`` under ``--trees``).
The split is fixed here, before a file is read: REPORT repositories are only counted (``--report``), never
shown; ``--show`` lists the findings of the dev repositories named, and refuses a report one.

    python benchmarks/bench_secrets_real_repos.py --trees /tmp/s9trees                 # dev counts by rule
    python benchmarks/bench_secrets_real_repos.py --trees /tmp/s9trees --show mlrun+mlrun
    python benchmarks/bench_secrets_real_repos.py --trees /tmp/s9trees --report        # + report counts
    python benchmarks/bench_secrets_real_repos.py --trees /tmp/s9trees --recall         # planted recall

Which code is measured is whatever ``mlsecure`` the interpreter imports (PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from mlsecure.findings import Severity
from mlsecure.secrets.real_layouts import plant
from mlsecure.secrets.scanner import SecretFinding, SecretScanner
from mlsecure.secrets.walk import decode, text_parts

# held out since session 7: counted once before and once after a change, never read
REPORT = (
    "kserve+kserve",
    "feast-dev+feast",
    "wandb+examples",
    "aws+amazon-sagemaker-examples",
    "huggingface+notebooks",
)
# read: session 7 (8 + dev2), session 7 round 2, session 8 (new in session 8: the ten from mlrun), session 9
# (new in session 9: the eleven from microsoft+nni to deepchecks+deepchecks; session 10: the last ten, from
# PrefectHQ+prefect; session 11: the ten from Lightning-AI+pytorch-lightning; session 12: the last eleven, from
# deepset-ai+hayhooks; session 13: the ten from ray-project+kuberay, config/deployment-heavy; session 13b: the
# last ten, from GoogleCloudPlatform+generative-ai, notebook/doc-heavy; session 13c: the last seven, from
# comet-ml+comet-examples, example collections and serving / feature-store projects like the report's; session 14: the
# last nine, from aws-samples+amazon-sagemaker-generativeai, notebook / tutorial collections of ML platforms; each round
# picked and added before any of its findings was read)
DEV = (
    "pytorch+examples",
    "GoogleCloudPlatform+vertex-ai-samples",
    "Lightning-AI+tutorials",
    "Azure+MachineLearningNotebooks",
    "kubeflow+pipelines",
    "bentoml+BentoML",
    "mlflow+mlflow-example",
    "Azure+azureml-examples",
    "SeldonIO+seldon-core",
    "Netflix+metaflow",
    "featureform+featureform",
    "allegroai+clearml",
    "kubeflow+katib",
    "aimhubio+aim",
    "evidentlyai+evidently",
    "great-expectations+great_expectations",
    "deepset-ai+haystack",
    "mlrun+mlrun",
    "kedro-org+kedro",
    "flyteorg+flyte",
    "pytorch+serve",
    "polyaxon+polyaxon",
    "determined-ai+determined",
    "iterative+dvc",
    "ludwig-ai+ludwig",
    "meltano+meltano",
    "triton-inference-server+server",
    "microsoft+nni",
    "optuna+optuna",
    "roboflow+notebooks",
    "pinecone-io+examples",
    "tensorflow+tfx",
    "mosaicml+composer",
    "anthropics+anthropic-cookbook",
    "google-gemini+cookbook",
    "weaviate+recipes",
    "mistralai+cookbook",
    "deepchecks+deepchecks",
    "PrefectHQ+prefect",
    "langfuse+langfuse",
    "microsoft+autogen",
    "crewAIInc+crewAI",
    "google-gemini+generative-ai-python",
    "horovod+horovod",
    "NVIDIA+NeMo-Guardrails",
    "Unstructured-IO+unstructured",
    "qdrant+qdrant-client",
    "chroma-core+chroma",
    "Lightning-AI+pytorch-lightning",
    "Arize-ai+phoenix",
    "stanfordnlp+dspy",
    "explodinggradients+ragas",
    "microsoft+promptflow",
    "mem0ai+mem0",
    "guardrails-ai+guardrails",
    "truera+trulens",
    "h2oai+h2o-llmstudio",
    "langchain-ai+langgraph",
    "deepset-ai+hayhooks",
    "ollama+ollama-python",
    "open-webui+pipelines",
    "neuml+txtai",
    "huggingface+peft",
    "huggingface+trl",
    "kubeflow+training-operator",
    "logicalclocks+hopsworks-tutorials",
    "pinecone-io+canopy",
    "bentoml+OpenLLM",
    "microsoft+semantic-kernel",
    "ray-project+kuberay",
    "vllm-project+production-stack",
    "langfuse+langfuse-python",
    "Arize-ai+openinference",
    "clearml+clearml-server",
    "kubeflow+manifests",
    "huggingface+text-generation-inference",
    "bentoml+Yatai",
    "SeldonIO+MLServer",
    "kubeflow+spark-operator",
    "GoogleCloudPlatform+generative-ai",
    "NVIDIA+GenerativeAIExamples",
    "aws-samples+amazon-bedrock-workshop",
    "huggingface+cookbook",
    "cohere-ai+notebooks",
    "elastic+elasticsearch-labs",
    "langchain-ai+langchain-academy",
    "togethercomputer+together-cookbook",
    "deepset-ai+haystack-cookbook",
    "groq+groq-api-cookbook",
    "comet-ml+comet-examples",
    "neptune-ai+examples",
    "kubeflow+examples",
    "feathr-ai+feathr",
    "mlflow+recipes-examples",
    "huggingface+course",
    "kserve+modelmesh-serving",
    "aws-samples+amazon-sagemaker-generativeai",
    "Azure-Samples+openai",
    "rapidsai+notebooks-contrib",
    "zenml-io+zenml-projects",
    "tecton-ai+tecton-sample-repo",
    "wandb+edu",
    "GoogleCloudPlatform+mlops-with-vertex-ai",
    "NVIDIA+NeMo",
    "aws-samples+amazon-bedrock-samples",
)
# session 7's recall order: repository i is planted with seed i
RECALL = (
    "pytorch+examples",
    "wandb+examples",
    "GoogleCloudPlatform+vertex-ai-samples",
    "aws+amazon-sagemaker-examples",
    "kserve+kserve",
    "Lightning-AI+tutorials",
    "huggingface+notebooks",
    "Azure+MachineLearningNotebooks",
    "kubeflow+pipelines",
    "bentoml+BentoML",
    "mlflow+mlflow-example",
    "feast-dev+feast",
    "Azure+azureml-examples",
    "SeldonIO+seldon-core",
    "Netflix+metaflow",
    "featureform+featureform",
)


def reported(root: Path) -> list[SecretFinding]:
    """What fails a default scan: findings at medium or above."""
    result = SecretScanner().scan_paths([root])
    return [f for f in result.findings if f.severity >= Severity.MEDIUM]


def recall(trees: Path, names: tuple[str, ...]) -> tuple[int, int]:
    """Planted values overlapped by a >= medium finding in the same file and member."""
    found = total = 0
    for seed, name in enumerate(RECALL):
        if name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            truth = plant(trees / name, out, seed=seed)
            hits = reported(out)
            for item in truth:
                total += 1
                text = _part_text(out / item.path, item.member)
                for finding in hits:
                    if Path(finding.path) != out / item.path or finding.member != item.member:
                        continue
                    if _overlaps(finding, item.value, text):
                        found += 1
                        break
    return found, total


def _part_text(path: Path, member: str | None) -> str:
    """The text the scanner read for ``path`` (and notebook ``member``): offsets refer to it."""
    text = decode(path.read_bytes())
    for part in text_parts(path, text):
        if part.member == member:
            return part.text
    return ""


def _overlaps(finding: SecretFinding, value: str, text: str) -> bool:
    start = text.find(value)
    while start >= 0:
        if finding.offset < start + len(value) and start < finding.offset + finding.length:
            return True
        start = text.find(value, start + 1)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=Path, default=Path("/tmp/s9trees"))
    parser.add_argument("--report", action="store_true", help="also count the report repositories")
    parser.add_argument("--show", nargs="*", default=[], help="dev repositories whose findings to list")
    parser.add_argument("--recall", action="store_true", help="planted recall on session 7's 16 repositories")
    parser.add_argument("--only", nargs="*", default=[], help="count only these dev repositories")
    parser.add_argument("--json", type=Path, help="write the counts here")
    args = parser.parse_args(argv)
    refused = [name for name in [*args.show, *args.only] if name not in DEV]
    if refused:
        print(f"refused: {', '.join(refused)} not a dev repository (report ones are never shown)", file=sys.stderr)
        return 2
    if args.recall:
        names = tuple(n for n in RECALL if (args.trees / n).is_dir())
        found, total = recall(args.trees, names)
        print(f"planted recall on {len(names)} repositories: {found}/{total}")
        return 0 if found == total else 1
    names = [n for n in DEV if (args.trees / n).is_dir() and (not args.only or n in args.only)]
    if args.report:
        names += [n for n in REPORT if (args.trees / n).is_dir()]
    counts: dict[str, dict[str, int]] = {}
    for name in names:
        hits = reported(args.trees / name)
        by_rule = Counter(f.rule_id for f in hits)
        counts[name] = dict(sorted(by_rule.items()))
        half = "report" if name in REPORT else "dev"
        rules = " ".join(f"{rule}:{n}" for rule, n in sorted(by_rule.items()))
        print(f"{half:6} {name:42} {len(hits):4}  {rules}", flush=True)
        if name in args.show:
            for f in sorted(hits, key=lambda f: (f.path, f.line)):
                line = _line(Path(f.path), f.member, f.line)
                rel = Path(f.path).relative_to(args.trees / name)
                print(
                    f"    {rel}{'!' + f.member if f.member else ''}:{f.line} {f.rule_id} {f.severity.name} "
                    f"{f.masked} | {line[:220]}"
                )
    if args.json is not None:
        args.json.write_text(json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    return 0


def _line(path: Path, member: str | None, number: int) -> str:
    lines = _part_text(path, member).split("\n")
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


if __name__ == "__main__":
    sys.exit(main())
