"""XGBoost and LightGBM: native files and in-memory objects give the library's own probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.sources import SourceKind, detect_source, load_model_source, load_source
from mlsecure.errors import ModelLoadError
from mlsecure.models import as_model

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")


def _data(n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = np.digitize(x[:, 0] + 0.5 * x[:, 1], np.linspace(-1, 1, n_classes - 1)) if n_classes > 2 else (x[:, 0] > 0)
    return x, np.asarray(y, dtype=np.int64)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("suffix", ["json", "ubj"])
def test_xgboost_file_matches_library_probabilities(tmp_path: Path, n_classes: int, suffix: str) -> None:
    x, y = _data(n_classes)
    clf = xgb.XGBClassifier(n_estimators=4, max_depth=2, n_jobs=1).fit(x, y)
    path = tmp_path / f"model.{suffix}"
    clf.get_booster().save_model(str(path))
    expected_kind = SourceKind.XGBOOST_JSON if suffix == "json" else SourceKind.XGBOOST_UBJ
    assert detect_source(path) is expected_kind
    model = load_source(path)
    assert model.framework == "xgboost"
    assert model.n_classes == n_classes
    assert model.input_shape == (5,)
    np.testing.assert_allclose(model.predict_proba(x[:30]), clf.predict_proba(x[:30]), atol=1e-6)


def test_xgboost_multi_softmax_still_gives_probabilities(tmp_path: Path) -> None:
    x, y = _data(3)
    booster = xgb.train({"objective": "multi:softmax", "num_class": 3, "max_depth": 2, "nthread": 1},
                        xgb.DMatrix(x, label=y), num_boost_round=3)
    path = tmp_path / "m.json"
    booster.save_model(str(path))
    proba = load_source(path).predict_proba(x[:20])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(proba.argmax(axis=1), booster.predict(xgb.DMatrix(x[:20])).astype(int))


def test_xgboost_in_memory_objects_keep_classes() -> None:
    x, y = _data(2)
    clf = xgb.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1).fit(x, y)
    wrapped = as_model(clf)
    assert wrapped.framework == "xgboost"
    np.testing.assert_array_equal(wrapped.classes, [0, 1])
    np.testing.assert_allclose(wrapped.predict_proba(x[:10]), clf.predict_proba(x[:10]), atol=1e-6)
    bare = as_model(clf.get_booster())
    assert bare.classes is None
    np.testing.assert_allclose(bare.predict_proba(x[:10]), clf.predict_proba(x[:10]), atol=1e-6)


def test_xgboost_regressor_is_refused(tmp_path: Path) -> None:
    x, y = _data(2)
    reg = xgb.XGBRegressor(n_estimators=2, max_depth=2, n_jobs=1).fit(x, y.astype(float))
    path = tmp_path / "reg.json"
    reg.get_booster().save_model(str(path))
    with pytest.raises(ModelLoadError, match="reg:squarederror"):
        load_source(path)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lightgbm_text_file_matches_library_probabilities(tmp_path: Path, n_classes: int) -> None:
    x, y = _data(n_classes)
    clf = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, min_child_samples=5, n_jobs=1, verbose=-1).fit(x, y)
    path = tmp_path / "model.txt"
    clf.booster_.save_model(str(path))
    assert detect_source(path) is SourceKind.LIGHTGBM_TEXT
    model = load_source(path)
    assert (model.framework, model.n_classes, model.input_shape) == ("lightgbm", n_classes, (5,))
    np.testing.assert_allclose(model.predict_proba(x[:30]), clf.predict_proba(x[:30]), atol=1e-6)
    in_memory = as_model(clf)
    np.testing.assert_array_equal(in_memory.classes, np.arange(n_classes))
    np.testing.assert_allclose(in_memory.predict_proba(x[:30]), clf.predict_proba(x[:30]), atol=1e-6)


def test_lightgbm_custom_sigmoid_matches(tmp_path: Path) -> None:
    x, y = _data(2)
    clf = lgb.LGBMClassifier(n_estimators=4, num_leaves=4, sigmoid=0.5, n_jobs=1, verbose=-1).fit(x, y)
    np.testing.assert_allclose(as_model(clf.booster_).predict_proba(x[:15]), clf.predict_proba(x[:15]), atol=1e-6)


def test_lightgbm_string_labels_map_through_classes() -> None:
    x, y = _data(2)
    labels = np.where(y == 1, "fraud", "ok")
    clf = lgb.LGBMClassifier(n_estimators=3, num_leaves=4, n_jobs=1, verbose=-1).fit(x, labels)
    wrapped = as_model(clf)
    np.testing.assert_array_equal(wrapped.classes, ["fraud", "ok"])
    np.testing.assert_allclose(wrapped.predict_proba(x[:10]), clf.predict_proba(x[:10]), atol=1e-6)


def test_truncated_and_foreign_files_are_refused_with_one_line(tmp_path: Path) -> None:
    x, y = _data(2)
    clf = xgb.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(x, y)
    good = tmp_path / "m.json"
    clf.get_booster().save_model(str(good))
    broken = tmp_path / "broken.json"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match="XGBoost cannot read"):
        load_source(broken)
    other = tmp_path / "notes.json"
    other.write_text('{"hello": 1}')
    assert detect_source(other) is None
    with pytest.raises(ModelLoadError, match="not an XGBoost"):
        load_source(other)
    bad_lgb = tmp_path / "bad.txt"
    bad_lgb.write_text("tree\nversion=v4\nnum_class=oops\n")
    with pytest.raises(ModelLoadError, match="LightGBM cannot read"):
        load_source(bad_lgb)


def test_entry_point_returns_none_for_files_it_does_not_own(tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    assert load_model_source(csv) is None
    x, y = _data(2)
    path = tmp_path / "m.ubj"
    xgb.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(x, y).get_booster().save_model(str(path))
    model = load_model_source(path, clip_values=(-3.0, 3.0))
    assert model is not None
    assert (model.framework, model.clip_values) == ("xgboost", (-3.0, 3.0))
