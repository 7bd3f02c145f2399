"""Engines: the local engine's contract, and Ray giving the local engine's answers for the same seeds."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mlsecure.data import Dataset
from mlsecure.engines import LocalEngine, get_engine
from mlsecure.engines.artifacts import files_under, scan_paths_on
from mlsecure.errors import InputError

# ray.shutdown() kills its node processes without reaping their Popen objects; Python warns when they are
# collected. That is Ray's bookkeeping, not ours: ignore it in this module (collected in the fixture teardown).
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def _square(x: int) -> int:
    return x * x


def test_local_engine_keeps_order_sequential_and_threaded() -> None:
    items = list(range(23))
    assert LocalEngine(workers=1).map(_square, items) == [i * i for i in items]
    assert LocalEngine(workers=3).map(_square, items) == [i * i for i in items]
    assert LocalEngine(workers=2).map(_square, []) == []


def test_engine_choice_is_checked() -> None:
    with pytest.raises(InputError, match="unknown engine 'spark'"):
        get_engine("spark")
    with pytest.raises(InputError, match="needs --engine ray"):
        get_engine("local", address="ray://127.0.0.1:10001")
    with pytest.raises(InputError, match="at least 1"):
        LocalEngine(workers=0)


def _tree(root: Path) -> Path:
    (root / "models" / "nested").mkdir(parents=True)
    (root / "models" / "evil.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")  # protocol-0 GLOBAL os.system
    (root / "models" / "ok.pkl").write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=4))
    np.save(root / "models" / "nested" / "w.npy", np.arange(6.0))
    (root / "models" / "nested" / "README.txt").write_text("weights\n")
    return root / "models"


def _key(results: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(r.path, r.format, r.verdict, r.issues, r.size) for r in results]


def test_local_engine_scan_equals_scan_paths(tmp_path: Path) -> None:
    from mlsecure.artifacts.scan import scan_paths

    root = _tree(tmp_path)
    assert [p.name for p in files_under([root])] == ["evil.pkl", "README.txt", "w.npy", "ok.pkl"]
    expected = _key(scan_paths([root]))
    assert _key(scan_paths_on(LocalEngine(workers=2), [root])) == expected
    assert _key(scan_paths_on(LocalEngine(workers=2), [root], batch=3)) == expected  # uneven last batch
    assert {r[0].rsplit("/", 1)[1]: r[2].value for r in expected}["evil.pkl"] != "safe"


# --- Ray: the session's local cluster of 2 CPUs (tests/conftest.py) ---------------------------------

@pytest.fixture(scope="module")
def ray_engine(ray_cluster: None) -> Iterator[object]:
    engine = get_engine("ray", workers=2)  # on the cluster already initialised: closing it leaves that running
    yield engine
    engine.close()


@pytest.mark.slow
def test_ray_scan_equals_local_scan(ray_engine: object, tmp_path: Path) -> None:
    from mlsecure.artifacts.scan import scan_paths

    root = _tree(tmp_path)
    expected = _key(scan_paths([root]))
    assert _key(scan_paths_on(ray_engine, [root])) == expected  # type: ignore[arg-type]
    assert _key(scan_paths_on(ray_engine, [root], batch=1)) == expected  # type: ignore[arg-type]


@pytest.mark.slow
def test_ray_reference_models_equal_local_ones(ray_engine: object, digits: Dataset) -> None:
    from sklearn.tree import DecisionTreeClassifier

    from mlsecure.models import as_model
    from mlsecure.privacy.inference.reference import train_references

    x, y = digits.x[:240].astype(np.float32), digits.y[:240]  # type: ignore[index]
    model = as_model(DecisionTreeClassifier(random_state=0).fit(x[:120], y[:120]))
    y_idx = np.searchsorted(np.arange(10), y)
    local = train_references(model, x, y_idx, y, n_models=4, seed=7, engine=LocalEngine(workers=1))
    remote = train_references(model, x, y_idx, y, n_models=4, seed=7, engine=ray_engine)  # type: ignore[arg-type]
    joblib = train_references(model, x, y_idx, y, n_models=4, seed=7, n_jobs=1)
    np.testing.assert_array_equal(remote.in_mask, local.in_mask)
    np.testing.assert_array_equal(remote.probs, local.probs)
    np.testing.assert_array_equal(remote.signal, local.signal)
    np.testing.assert_array_equal(joblib.probs, local.probs)
    assert not np.array_equal(local.probs[0], local.probs[1])  # different halves, different models


@pytest.mark.slow
def test_membership_check_takes_the_engine_option(digits: Dataset) -> None:
    from sklearn.tree import DecisionTreeClassifier

    from mlsecure.check import ScanContext
    from mlsecure.models import as_model
    from mlsecure.privacy.inference.checks import MembershipInferenceCheck

    members = Dataset(digits.x[:150], digits.y[:150])  # type: ignore[index]
    non_members = Dataset(digits.x[150:300], digits.y[150:300])  # type: ignore[index]
    model = as_model(DecisionTreeClassifier(random_state=0).fit(members.x, members.y))

    def run(**extra: str) -> object:
        opts = {"mia_references": "4", "mia_attacks": "lira_offline"} | extra
        ctx = ScanContext(model=model, data=members, holdout=non_members, options=opts)  # type: ignore[arg-type]
        return MembershipInferenceCheck().run(ctx)

    default, threaded = run(), run(engine="local", engine_workers="2")
    a = default.metrics["attacks"]["lira_offline"]  # type: ignore[attr-defined]
    b = threaded.metrics["attacks"]["lira_offline"]  # type: ignore[attr-defined]
    assert (a["auc"], a["advantage"], a["tpr_at_1pct_fpr"]) == (b["auc"], b["advantage"], b["tpr_at_1pct_fpr"])
    assert a["auc"] > 0.5  # a memorising tree leaks membership
    with pytest.raises(InputError, match="unknown engine"):
        run(engine="spark")


# --- Robustness evaluation in shards: (attack, epsilon, chunk) tasks give the in-process answer ---------

def _evaluation_key(ev: object) -> tuple:  # type: ignore[type-arg]
    return tuple(getattr(ev, f) for f in ("clean_accuracy", "grid", "robust_accuracy", "worst_case", "worst_case_ci",
                                          "curve_attack", "curve", "fooled_rows", "applied"))


def _robustness(model: object, digits: Dataset, engine: object) -> object:
    from mlsecure.robustness.evaluate import evaluate_robustness

    x, y = digits.x[-80:], digits.y[-80:]  # type: ignore[index]
    return evaluate_robustness(model, x, y, epsilons=[0.05], attacks=("fgsm", "pgd", "fmn"), validity=False,
                               chunk_size=16, seed=3, engine=engine)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mlp_target(digits_mlp: object) -> object:
    from mlsecure.models import as_model

    return as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))


def test_robustness_shards_on_the_local_engine_equal_the_in_process_evaluation(mlp_target: object,
                                                                               digits: Dataset) -> None:
    expected = _robustness(mlp_target, digits, None)
    assert _evaluation_key(_robustness(mlp_target, digits, LocalEngine(workers=2))) == _evaluation_key(expected)
    assert 0 < expected.at(0.05) < expected.clean_accuracy  # type: ignore[attr-defined]  # the attacks bite


@pytest.mark.slow
def test_ray_robustness_shards_equal_the_local_evaluation(ray_engine: object, mlp_target: object,
                                                          digits: Dataset) -> None:
    import torch

    from mlsecure.check import ScanContext
    from mlsecure.models import as_model
    from mlsecure.robustness.checks import AdversarialRobustnessCheck

    expected = _robustness(mlp_target, digits, LocalEngine(workers=1))
    assert _evaluation_key(_robustness(mlp_target, digits, ray_engine)) == _evaluation_key(expected)
    # TorchScript (what `scan --model model.pt` loads) does not pickle: it travels as its saved bytes.
    scripted = as_model(torch.jit.script(mlp_target.module), input_shape=(64,), clip_values=(0.0, 1.0))  # type: ignore[attr-defined]
    assert _evaluation_key(_robustness(scripted, digits, ray_engine)) == _evaluation_key(expected)
    test = Dataset(digits.x[-120:], digits.y[-120:])  # type: ignore[index]
    options = {"epsilon": "0.05", "max_samples": "60", "attacks": "fgsm,pgd", "shard_size": "16"}
    local = AdversarialRobustnessCheck().run(ScanContext(model=mlp_target, data=test, options=options))  # type: ignore[arg-type]
    on_ray = AdversarialRobustnessCheck().run(ScanContext(model=mlp_target, data=test,  # type: ignore[arg-type]
                                                          options=options | {"engine": "ray"}))
    for key in ("robust_accuracy", "robust_accuracy_per_attack", "worst_case_curve", "validity"):
        assert on_ray.metrics[key] == local.metrics[key], key
    assert [f.to_dict() for f in on_ray.findings] == [f.to_dict() for f in local.findings]


@pytest.mark.slow
def test_ray_trains_torch_reference_models_as_the_local_engine_does(ray_engine: object, digits_mlp: object,
                                                                     digits: Dataset) -> None:
    import torch

    from mlsecure.models import as_model
    from mlsecure.privacy.inference.reference import train_references

    x, y = digits.x[:160].astype(np.float32), digits.y[:160]  # type: ignore[index]
    for module in (digits_mlp, torch.jit.script(digits_mlp)):  # an nn.Module, and TorchScript (shipped as bytes)
        model = as_model(module, input_shape=(64,))
        args = (model, x, y, y)
        local = train_references(*args, n_models=2, seed=5, max_epochs=3, n_jobs=1)
        remote = train_references(*args, n_models=2, seed=5, max_epochs=3, engine=ray_engine)  # type: ignore[arg-type]
        np.testing.assert_array_equal(remote.in_mask, local.in_mask)
        np.testing.assert_array_equal(remote.probs, local.probs)
        np.testing.assert_array_equal(remote.signal, local.signal)
        assert remote.epochs == local.epochs == (3, 3)
