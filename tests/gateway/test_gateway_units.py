"""The gateway's parts on their own: config, tokens, client address, validation, hardening, signing,
extraction statistics and limits. Known answers: scipy as the oracle for the vectorised KS test,
hand-worked X-Forwarded-For chains, round trips for tokens and signatures."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from mlsecure.errors import ConfigError, InputError
from mlsecure.serving.client_ip import client_address
from mlsecure.serving.config import ExtractionConfig, OutputConfig, RateLimitConfig, load_config, parse_config
from mlsecure.serving.extraction import ExtractionMonitor, ks_uniform_pvalues, shapiro_w
from mlsecure.serving.hardening import OutputPolicy, add_noise
from mlsecure.serving.ratelimit import RateLimiter
from mlsecure.serving.rbac import Role, permissions_for
from mlsecure.serving.signing import ResponseSigner, canonical_json, check_response, verify_response
from mlsecure.serving.tokens import JsonTokenStore, SqliteTokenStore, hash_token, parse_token_id
from mlsecure.serving.validation import InputSchema, ValidationFailure

# --- config -------------------------------------------------------------------------------------------


def test_empty_config_is_secure_by_default() -> None:
    cfg = parse_config({})
    assert cfg.signing.enabled and cfg.extraction.enabled and cfg.rate_limit.per_minute > 0
    assert cfg.server.host == "127.0.0.1" and cfg.server.tls_min_version == "1.3"


@pytest.mark.parametrize(("toml", "words"), [
    ("[rate_limit]\nper_minut = 5\n", "[rate_limit] unknown key 'per_minut' (did you mean 'per_minute'?)"),
    ("[ratelimit]\n", "unknown section [ratelimit] (did you mean 'rate_limit'?)"),
    ("[rate_limit]\nper_minute = -1\n", "[rate_limit] per_minute must be a non-negative integer"),
    ("[rate_limit]\nper_minute = true\n", "[rate_limit] per_minute must be a non-negative integer"),
    ("[extraction]\naction = \"ban\"\n", "[extraction] action must be one of 'flag', 'throttle', 'block'"),
    ("[model]\ninput_range = [1, 0]\n", "[model] input_range must be [min, max] with min < max"),
    ("[server]\ntrusted_proxies = [\"not-an-ip\"]\n", "trusted_proxies must be a list of IP addresses"),
    ("[server]\ntls_certfile = \"a.pem\"\n", "tls_certfile and tls_keyfile must be set together"),
    ("[output]\nnoise = \"laplace\"\n", "needs noise_scale > 0"),
    ("[auth.jwt]\nissuer = \"x\"\naudience = \"y\"\n", "[auth.jwt] missing required key 'jwks_file'"),
    ("[rate_limit]\nstorage = \"mongodb://x\"\n", "storage must be memory:// or a redis:// URL"),
    ("model = 3\n", "[model] must be a table"),
])
def test_config_errors_name_the_key(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert words in str(exc.value) and str(path) in str(exc.value)


def test_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('[auth]\ntoken_store = "t.json"\n[audit]\nstore = "a.db"\n[server]\n'
                    'trusted_proxies = ["10.0.0.0/8", "::1"]\n')
    cfg = load_config(path)
    assert cfg.auth.token_store == tmp_path / "t.json" and cfg.audit.store == str(tmp_path / "a.db")
    assert len(cfg.server.trusted_proxies) == 2 and len(cfg.sha256) == 64


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text("[model\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


# --- tokens and RBAC -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "json"])
def test_token_store_round_trip(tmp_path: Path, kind: str) -> None:
    store = SqliteTokenStore(tmp_path / "t.db") if kind == "sqlite" else JsonTokenStore(tmp_path / "t.json")
    issued = store.create(name="svc", role="ml_engineer", scopes=("predict",), ttl_s=60)
    raw = (tmp_path / ("t.db" if kind == "sqlite" else "t.json")).read_bytes()
    assert issued.token.encode() not in raw and hash_token(issued.token).encode() in raw  # only the hash
    assert store.verify(issued.token) == issued.record
    flipped = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    assert store.verify(issued.token + "x") is None and store.verify(flipped) is None
    assert issued.record.permissions == frozenset({"predict"})
    assert issued.record.status() == "active" and issued.record.status(time.time() + 61) == "expired"
    # a second handle (another process) sees revocation on its next lookup
    other = SqliteTokenStore(tmp_path / "t.db") if kind == "sqlite" else JsonTokenStore(tmp_path / "t.json")
    assert other.verify(issued.token) is not None
    store.revoke(issued.record.token_id)
    if kind == "json":  # mtime resolution: make sure the rewrite is visible
        time.sleep(0.01)
    rec = other.verify(issued.token)
    assert rec is not None and rec.status() == "revoked"
    assert (tmp_path / ("t.db" if kind == "sqlite" else "t.json")).stat().st_mode & 0o077 == 0
    store.close()
    other.close()


def test_token_format_and_input_checks(tmp_path: Path) -> None:
    store = SqliteTokenStore(tmp_path / "t.db")
    issued = store.create(name="x", role=Role.VIEWER)
    assert parse_token_id(issued.token) == issued.record.token_id and parse_token_id("mlsgw_zz") is None
    with pytest.raises(InputError, match="unknown scope"):
        store.create(name="x", role="viewer", scopes=("root",))
    with pytest.raises(InputError, match="unknown role"):
        store.create(name="x", role="superuser")
    with pytest.raises(InputError, match="no token with id"):
        store.revoke("000000000000")
    store.close()


def test_roles_follow_the_guide() -> None:
    assert permissions_for(Role.VIEWER) == {"models:read"}
    assert "predict" in permissions_for(Role.DATA_SCIENTIST) and "predict" not in permissions_for(Role.AUDITOR)
    assert "audit:read" in permissions_for(Role.AUDITOR) and "tokens:manage" not in permissions_for(Role.ML_ENGINEER)
    assert all(permissions_for(r) <= permissions_for(Role.ADMIN) for r in Role)


# --- client address -------------------------------------------------------------------------------------

TRUSTED = parse_config({"server": {"trusted_proxies": ["10.0.0.0/8"]}}).server.trusted_proxies


@pytest.mark.parametrize(("peer", "xff", "expected"), [
    ("203.0.113.5", ["1.1.1.1"], "203.0.113.5"),                 # untrusted peer: header ignored
    ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),              # one trusted proxy
    ("10.0.0.2", ["6.6.6.6, 198.51.100.7"], "198.51.100.7"),     # forged left-most hop ignored
    ("10.0.0.2", ["6.6.6.6, 198.51.100.7, 10.1.1.1"], "198.51.100.7"),  # two trusted proxies
    ("10.0.0.2", ["6.6.6.6", "198.51.100.7"], "198.51.100.7"),   # repeated headers are one list
    ("10.0.0.2", ["garbage, 10.3.3.3"], "10.3.3.3"),             # unparsable hop: stop at the last good one
    ("10.0.0.2", [], "10.0.0.2"),
    ("10.0.0.2", ["[2001:db8::1]:443"], "2001:db8::1"),
    ("10.0.0.2", ["198.51.100.7:5555"], "198.51.100.7"),
])
def test_client_address(peer: str, xff: list[str], expected: str) -> None:
    assert client_address(peer, xff, TRUSTED) == expected


def test_no_trusted_proxies_means_socket_peer() -> None:
    assert client_address("127.0.0.1", ["9.9.9.9"], ()) == "127.0.0.1"


# --- validation -------------------------------------------------------------------------------------


SCHEMA = InputSchema(input_shape=(2, 3), value_range=(0.0, 1.0), max_batch=4)


@pytest.mark.parametrize(("body", "field", "words"), [
    (b'{"inputs": [[[0,0,0],[0,0,0]], [[0,0,0],[0,0]]]}', "inputs[1][1]", "expected 3 values, got 2"),
    (b'{"inputs": [[[0,0,0],[0,0,"1"]]]}', "inputs[0][1][2]", "expected a number, got a string"),
    (b'{"inputs": [[[0,0,0],[0,0,2]]]}', "inputs[0][1][2]", "outside the allowed range"),
    (b'{"inputs": [[[0,0,0],[0,-Infinity,0]]]}', "inputs[0][1][1]", "-Infinity is not a finite number"),
    (b'{"inputs": [[[0,0,0],[0,0,100000000000000000000000000000000000000000]]]}', "inputs[0][1][2]", "outside"),
    (b'{"inputs": [[[0,0,0],[0,0,0]]], "debug": 1}', "debug", "unknown field"),
    (b'{"input": []}', "input", "unknown field"),
    (b"[1]", "body", "expected a JSON object"),
    (b"\xff", "body", "not valid JSON"),
])
def test_validation_names_the_field(body: bytes, field: str, words: str) -> None:
    with pytest.raises(ValidationFailure) as exc:
        SCHEMA.parse(body)
    assert exc.value.field == field and words in exc.value.message


@given(st.lists(st.lists(st.lists(st.floats(0, 1, width=32), min_size=3, max_size=3), min_size=2, max_size=2),
                min_size=1, max_size=4))
@settings(max_examples=50, deadline=None)
def test_valid_inputs_round_trip(rows: list[list[list[float]]]) -> None:
    arr = SCHEMA.parse(json.dumps({"inputs": rows}).encode())
    assert arr.dtype == np.float32 and arr.shape == (len(rows), 2, 3)
    np.testing.assert_array_equal(arr, np.asarray(rows, dtype=np.float32))


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids, max_size=3), max_leaves=12)


@given(doc=st.one_of(st.builds(lambda x: {"inputs": x}, _JSONISH), _JSONISH), raw=st.binary(max_size=40))
@settings(max_examples=150, deadline=None)
def test_orjson_fast_path_decides_like_the_standard_parser(doc: Any, raw: bytes) -> None:
    """Whether orjson is there or not, every body gets the same array or the same 422 (field and message)."""
    import mlsecure.serving.validation as validation

    def outcome(body: bytes) -> Any:
        try:
            return ("ok", SCHEMA.parse(body).tolist())
        except ValidationFailure as exc:
            return ("422", exc.field, exc.message)

    bodies = [json.dumps(doc).encode(), raw, json.dumps(doc).encode() + raw]
    fast = [outcome(b) for b in bodies]
    real = validation._fast_loads
    validation._fast_loads = json.loads
    try:
        assert [outcome(b) for b in bodies] == fast
    finally:
        validation._fast_loads = real


def test_unbounded_schema_still_checks_float32_range() -> None:
    schema = InputSchema(input_shape=(2,), value_range=None, max_batch=2)
    with pytest.raises(ValidationFailure, match="float32") as exc:
        schema.parse(b'{"inputs": [[1, 1e39]]}')
    assert exc.value.field == "inputs[0][1]"
    assert schema.parse(b'{"inputs": [[-5, 1e30]]}').tolist() == [[-5.0, np.float32(1e30)]]


def test_json_schema_bounds_the_batch() -> None:
    s = SCHEMA.json_schema()
    assert s["properties"]["inputs"]["maxItems"] == 4 and s["additionalProperties"] is False
    assert s["properties"]["inputs"]["items"]["items"]["maxItems"] == 3


# --- output hardening ------------------------------------------------------------------------------------


def test_top_k_rounding_and_labels() -> None:
    policy = OutputPolicy(OutputConfig(top_k=2, decimals=2))
    out = policy.apply(np.array([[0.1234, 0.6766, 0.2]]), ["a", "b", "c"], np.random.default_rng(0))
    assert out == [{"label": "b", "top": [{"label": "b", "probability": 0.68}, {"label": "c", "probability": 0.2}]}]
    only = OutputPolicy(OutputConfig(labels_only=True)).apply(np.array([[0.3, 0.7]]), [0, 1], np.random.default_rng(0))
    assert only == [{"label": 1}]


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
@example(105762873)  # a row the noise clipped to all zeros came back uniform: a tie the swap did not break
def test_noise_keeps_rows_on_the_simplex_and_top1(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(5), size=20)
    for kind in ("laplace", "gaussian"):
        q = add_noise(p, kind, 0.2, rng, preserve_top1=True)
        assert np.all(q >= 0) and np.allclose(q.sum(axis=1), 1.0)
        np.testing.assert_array_equal(q.argmax(axis=1), p.argmax(axis=1))


def test_laplace_noise_has_the_configured_scale() -> None:
    # before clipping the added noise is Laplace(0, b): its mean absolute deviation is b
    rng = np.random.default_rng(1)
    p = np.full((20000, 2), 0.5)
    q = add_noise(p, "laplace", 0.01, rng, preserve_top1=False)
    # with b = 0.01 << 0.5 nothing is clipped and q0 - 1/2 ~= (X - Y) / 2 for X, Y iid Laplace(b);
    # E|X - Y| = 3b/2 (the difference of two Laplace variables), so E|q0 - 1/2| = 3b/4 = 0.0075
    d = q[:, 0] - 0.5
    assert abs(np.mean(np.abs(d)) - 0.0075) < 0.0003


# --- signing ---------------------------------------------------------------------------------------------


def test_signature_round_trip_and_tamper(tmp_path: Path) -> None:
    signer = ResponseSigner.from_file(tmp_path / "k.pem", generate=True)
    assert (tmp_path / "k.pem").stat().st_mode & 0o077 == 0
    again = ResponseSigner.from_file(tmp_path / "k.pem", generate=False)
    assert again.key_id == signer.key_id
    body = {"b": [1, 2.5, "é"], "a": None}
    assert canonical_json(body) == '{"a":null,"b":[1,2.5,"é"]}'.encode()
    signed = canonical_json(body)
    sig = signer.sign(signed)
    assert verify_response(signed, sig, signer.public_key) and verify_response(signed.decode(), sig, signer.public_key)
    assert not verify_response(json.dumps(body, indent=3), sig, signer.public_key)  # the bytes, not a re-parse
    assert not verify_response(json.dumps({**body, "a": 0}), sig, signer.public_key)
    assert not verify_response(json.dumps(body), "ed25519=AAAA", signer.public_key)
    other = ResponseSigner.from_file(tmp_path / "k2.pem", generate=True)
    assert not verify_response(json.dumps(body), sig, other.public_key)
    with pytest.raises(ConfigError, match="does not exist"):
        ResponseSigner.from_file(tmp_path / "missing.pem", generate=False)


def test_duplicated_key_body_fails_verification(tmp_path: Path) -> None:
    """Issue 17: a body with a fake value first and the signed value last verified when the signature was
    checked on re-parsed JSON (Python keeps the last value), while a first-wins reader saw the fake one."""
    signer = ResponseSigner.from_file(tmp_path / "k.pem", generate=True)
    signed = canonical_json({"label": 7, "request_id": "r1"})
    sig = signer.sign(signed)
    forged = b'{"label":1,"label":7,"request_id":"r1"}'
    assert json.loads(forged) == json.loads(signed)  # a last-wins reader cannot tell them apart
    assert not verify_response(forged, sig, signer.public_key)
    assert check_response(forged, sig, signer.public_key) == ("the signature does not match these bytes "
                                                              "(altered, re-encoded, or another key)")
    # a signer that ever signed non-canonical bytes (here a duplicated key) is refused too
    sig_forged = signer.sign(forged)
    assert check_response(forged, sig_forged, signer.public_key) == ("the response body: duplicate key 'label' "
                                                                     "in a JSON object")
    spaced = b'{"label": 7, "request_id": "r1"}'
    assert "not in canonical JSON form" in str(check_response(spaced, signer.sign(spaced), signer.public_key))
    with pytest.raises(InputError, match="bytes received"):
        verify_response({"label": 7}, sig, signer.public_key)  # type: ignore[arg-type]


# --- extraction statistics --------------------------------------------------------------------------------


def test_gateways_starting_together_share_one_new_signing_key(tmp_path: Path) -> None:
    """Several processes creating the missing key file at once end up with the one key that won, and the
    file is never seen half-written (mode 0600)."""
    import subprocess
    import sys

    path = tmp_path / "signing.pem"
    code = ("import sys; from pathlib import Path; from mlsecure.serving.signing import ResponseSigner; "
            "print(ResponseSigner.from_file(Path(sys.argv[1]), generate=True).key_id)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert ids == {ResponseSigner.from_file(path, generate=False).key_id}
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(x.name for x in tmp_path.iterdir()) == ["signing.pem"]  # no temporary file left


def test_ks_uniform_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(150, 4)) ** np.array([1.0, 1.2, 2.0, 0.5])
    ours = ks_uniform_pvalues(u)
    ref = [stats.kstest(u[:, j], "uniform", method="asymp").pvalue for j in range(4)]
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_shapiro_w_matches_scipy() -> None:
    d = np.random.default_rng(4).exponential(size=200)
    assert shapiro_w(d) == pytest.approx(stats.shapiro(d).statistic)
    assert shapiro_w(np.ones(10)) == 0.0 and shapiro_w(np.ones(2)) == 1.0


def _labels(x: np.ndarray) -> np.ndarray:
    return (x.reshape(len(x), -1).sum(axis=1) * 7).astype(int) % 10  # any deterministic labelling


def _prada_reference(x: np.ndarray, labels: np.ndarray) -> list[float]:
    """PRADA's distance set D, query by query, straight from Algorithm 1 of arXiv:1805.02628."""
    growth: dict[int, list[np.ndarray]] = {}
    grew: dict[int, list[float]] = {}
    threshold: dict[int, float] = {}
    dist: list[float] = []
    for q, c in zip(x, labels.tolist(), strict=True):
        if c not in growth:
            growth[c], grew[c], threshold[c] = [q], [], 0.0
            continue
        d = min(float(np.linalg.norm(q - g)) for g in growth[c])
        dist.append(d)
        if d > threshold[c]:
            growth[c].append(q)
            grew[c].append(d)
            threshold[c] = max(threshold[c], float(np.mean(grew[c]) - np.std(grew[c])))
    return dist


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_prada_block_processing_matches_the_paper_algorithm(natural_queries: np.ndarray, batch: int) -> None:
    x = natural_queries[:300].astype(np.float64)
    labels = _labels(x)
    mon = ExtractionMonitor(ExtractionConfig(min_queries=100, check_every=50))
    for i in range(0, 300, batch):
        mon.observe("c", x[i:i + batch], labels[i:i + batch])
    mon.observe("c", x[:0], labels[:0])  # nothing new: the state is as the last block left it
    st = mon._clients["c"]
    got = sorted(st.distances)
    ref = _prada_reference(x[:300 - st.pending_rows], labels[:300 - st.pending_rows])
    np.testing.assert_allclose(got, sorted(ref), rtol=1e-9, atol=1e-9)


def test_prada_flags_synthetic_perturbation_queries(natural_queries: np.ndarray) -> None:
    # Jacobian-style augmentation (Papernot et al. 2017): seeds plus +-lambda steps, as PRADA's paper attacks
    rng = np.random.default_rng(0)
    seeds = list(natural_queries[:10])
    queries: list[np.ndarray] = []
    while len(queries) < 300:
        new = [np.clip(s + 0.1 * rng.choice([-1.0, 1.0], size=64), 0, 1) for s in seeds]
        queries += new
        seeds += new
    mon = ExtractionMonitor(ExtractionConfig(min_queries=100, check_every=25))
    verdicts = [mon.observe("jbda", q[None], _labels(q[None])) for q in np.array(queries[:300])]
    last = [v for v in verdicts if v is not None][-1]
    assert last.prada_flag and last.shapiro_w < 0.9 and not last.uniform_flag


def test_monitor_separates_uniform_from_natural(natural_queries: np.ndarray) -> None:
    cfg = ExtractionConfig(min_queries=100, check_every=50)
    mon = ExtractionMonitor(cfg)
    uniform = np.random.default_rng(5).uniform(0, 1, size=(300, 64))
    nat = [mon.observe("natural", natural_queries[i:i + 10], _labels(natural_queries[i:i + 10]))
           for i in range(0, 300, 10)]
    uni = [mon.observe("uniform", uniform[i:i + 10], _labels(uniform[i:i + 10])) for i in range(0, 300, 10)]
    assert not any(v.suspicious for v in nat if v is not None)
    assert all(v.uniform_flag for v in uni if v is not None)
    assert mon.is_flagged("uniform") and not mon.is_flagged("natural")


# --- limits --------------------------------------------------------------------------------------------


def test_limiter_rates_budgets_and_lifetime() -> None:
    async def scenario() -> None:
        lim = RateLimiter(RateLimitConfig(per_minute=3, per_hour=0, per_day=10, lifetime=15,
                                          auth_failures_per_minute=2))
        assert [(await lim.acquire_rate("a")).allowed for _ in range(4)] == [True, True, True, False]
        d = await lim.acquire_rate("a")
        assert d.limit == "per_minute" and 1 <= (d.retry_after_s or 0) <= 60
        assert (await lim.acquire_rate("b")).allowed
        assert (await lim.acquire_budget("c", 8)).allowed
        d = await lim.acquire_budget("c", 3)
        assert not d.allowed and d.limit == "per_day" and 1 <= (d.retry_after_s or 0) <= 86400
        assert (await lim.acquire_budget("c", 2)).allowed  # a refused charge is not taken
        assert not (await lim.acquire_budget("d", 11)).allowed
        lifetime = RateLimiter(RateLimitConfig(per_minute=0, per_hour=0, per_day=0, lifetime=5))
        assert (await lifetime.acquire_budget("e", 5)).allowed
        d = await lifetime.acquire_budget("e", 1)
        assert d.limit == "lifetime" and d.retry_after_s is None  # never frees up
        assert [(await lim.auth_failure("ip")).allowed for _ in range(3)] == [True, True, False]
        assert not (await lim.auth_blocked("ip")).allowed and (await lim.auth_blocked("ip2")).allowed

    asyncio.run(scenario())


@given(limit=st.integers(2_000, 20_000), weights=st.lists(st.integers(1, 64), min_size=1, max_size=40))
@settings(max_examples=25, deadline=None)
def test_leases_never_let_a_client_past_its_limit(limit: int, weights: list[int]) -> None:
    """Large limits are leased (one storage call per ``limit // 1000`` units): whatever the order of
    requests, a client never gets more than its limit, and at most one lease (0.1 %) is lost to it."""
    lease = min(64, limit // 1000)

    async def scenario() -> tuple[int, int, int]:
        lim = RateLimiter(RateLimitConfig(per_minute=limit, per_hour=0, per_day=limit, lifetime=0))
        calls = [0]
        real = lim._storage.acquire_sliding_window_entry

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return real(*args, **kwargs)

        lim._storage.acquire_sliding_window_entry = counted
        served = sum([(await lim.acquire_rate("a")).allowed for _ in range(limit + 10)])
        rows, i = 0, 0
        while True:  # spend the day budget with batches of varying size until a batch is refused
            w = weights[i % len(weights)]
            i += 1
            if not (await lim.acquire_budget("b", w)).allowed:
                break
            rows += w
        return served, calls[0], rows + w

    served, calls, rows_and_refused = asyncio.run(scenario())
    assert limit - lease < served <= limit
    # leased, then near the limit (and for the 10 refused) a failed lease try plus an exact charge each
    assert calls <= served // lease + 2 * (lease + 10) + 2
    assert rows_and_refused > limit - lease  # the refused batch did not fit: little was left unused


def test_throttle_applies_after_an_extraction_flag() -> None:
    async def scenario() -> None:
        lim = RateLimiter(RateLimitConfig(per_minute=100, per_hour=0, per_day=0), throttle_per_minute=2)
        assert [(await lim.acquire_rate("x", throttled=True)).allowed for _ in range(3)] == [True, True, False]
        d = await lim.acquire_rate("x", throttled=True)
        assert d.limit == "throttle" and 1 <= (d.retry_after_s or 0) <= 60
        assert (await lim.acquire_rate("x")).allowed  # not flagged: only the normal limits apply

    asyncio.run(scenario())


def test_token_cli_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    store = str(tmp_path / "tokens.json")
    assert main(["gateway", "token", "create", "--store", store, "--name", "ci", "--role", "auditor",
                 "--ttl", "12h"]) == 0
    token = capsys.readouterr().out.strip()
    token_id = parse_token_id(token)
    assert token_id is not None
    assert main(["gateway", "token", "list", "--store", store, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["token_id"] == token_id and listed["status"] == "active" and "sha256" not in listed
    assert 12 * 3600 - 60 < listed["expires_at"] - listed["created_at"] <= 12 * 3600
    assert main(["gateway", "token", "revoke", "--store", store, token_id]) == 0
    assert main(["gateway", "token", "list", "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "revoked"
    assert main(["gateway", "token", "create", "--store", store, "--name", "x", "--role", "viewer",
                 "--ttl", "soon"]) == 2


def test_defaults_answer_top1_label_with_rounded_probability() -> None:
    cfg = parse_config({})
    policy = OutputPolicy(cfg.output)
    proba = np.array([[0.123456, 0.654321, 0.222223]])
    out = policy.apply(proba, ["a", "b", "c"], np.random.default_rng(0))
    assert out == [{"label": "b", "top": [{"label": "b", "probability": 0.65}]}]


def test_missing_audit_key_names_toml_keys_and_creates_nothing(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.serving import build_gateway

    for name in ("MLSECURE_AUDIT_HMAC_KEY", "MLSECURE_AUDIT_HMAC_KEY_FILE", "MY_KEY"):
        monkeypatch.delenv(name, raising=False)
    cfg = parse_config({"model": {"name": "m", "input_shape": [4]}, "audit": {"hmac_key_env": "MY_KEY"},
                        "upstream": {"url": "http://127.0.0.1:9", "protocol": "mlflow"}}, base=tmp_path)
    with pytest.raises(ConfigError) as err:
        build_gateway(cfg)
    assert "[audit] hmac_key_file" in str(err.value) and "MY_KEY" in str(err.value)
    assert "hmac_key=" not in str(err.value)
    assert list(tmp_path.iterdir()) == []  # no token store, no signing key made before refusing


def test_oip_request_may_name_the_served_model_as_kserve_client_does() -> None:
    """KServe's Python client puts ``model_name`` in the body; it must name the served model."""
    from mlsecure.serving.oip import parse_infer
    from mlsecure.serving.validation import InputSchema, ValidationFailure

    schema = InputSchema(input_shape=(2,), value_range=(0.0, 1.0), max_batch=4)
    tensor = {"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [0.25, 0.5]}

    def parse(**extra: object) -> Any:
        body = json.dumps({"id": "r1", "inputs": [tensor], **extra}).encode()
        return parse_infer(body, schema, "x", False, model=("digits", "1"))

    x, context = parse(model_name="digits", model_version="1")
    assert x.tolist() == [[0.25, 0.5]] and context["id"] == "r1"
    for extra, field in [({"model_name": "other"}, "model_name"), ({"model_version": "2"}, "model_version"),
                         ({"model_name": 3}, "model_name"), ({"model": "digits"}, "model")]:
        with pytest.raises(ValidationFailure) as err:
            parse(**extra)
        assert err.value.field == field
