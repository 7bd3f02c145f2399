"""The store contract on a real PostgreSQL server.

Runs when ``MLSECURE_TEST_POSTGRES_URL`` names a server (e.g. ``postgresql://postgres@127.0.0.1:54329/postgres``);
each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from audit_fixtures import HMAC_KEY, make_event
from audit_store_contract import StoreContract

from mlsecure.audit import open_store

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'mlsecure[audit-pg]')")
BASE_URL = os.environ.get("MLSECURE_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not BASE_URL, reason="set MLSECURE_TEST_POSTGRES_URL to a PostgreSQL server "
                                                     "to run the PostgreSQL audit-store tests")


@pytest.fixture
def schema_url() -> Iterator[str]:
    schema = f"mlsecure_audit_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(BASE_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at MLSECURE_TEST_POSTGRES_URL is unreachable: {exc}")
    admin.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in BASE_URL else "?"
    try:
        yield f"{BASE_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def url(self, schema_url: str) -> str:
        return schema_url

    @pytest.fixture
    def raw(self, schema_url: str) -> Callable[[str], None]:
        def run(sql: str) -> None:
            with psycopg.connect(schema_url, autocommit=True) as conn:
                conn.execute("ALTER TABLE audit_records DISABLE TRIGGER USER")
                conn.execute("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER")
                conn.execute(sql)
                conn.execute("ALTER TABLE audit_records ENABLE TRIGGER USER")
                conn.execute("ALTER TABLE audit_checkpoints ENABLE TRIGGER USER")

        return run


def test_postgres_triggers_refuse_update_delete_truncate(schema_url: str) -> None:
    with open_store(schema_url, hmac_key=HMAC_KEY) as store:
        store.append(make_event(1))
    with psycopg.connect(schema_url, autocommit=True) as conn:
        for sql in ("UPDATE audit_records SET actor = 'x'", "DELETE FROM audit_records",
                    "TRUNCATE audit_records"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)


def test_two_stores_on_one_database_share_the_chain(schema_url: str) -> None:
    """Two connections (as two gateway processes would have) interleave appends without forking."""
    a = open_store(schema_url, hmac_key=HMAC_KEY)
    b = open_store(schema_url, hmac_key=HMAC_KEY)
    try:
        seqs = [(a if i % 2 else b).append(make_event(i)).seq for i in range(1, 21)]
        assert seqs == list(range(1, 21))
        assert a.origin == b.origin
        assert a.verify().ok
    finally:
        a.close()
        b.close()


def test_gateway_audit_writer_process_on_postgres(schema_url: str) -> None:
    """The gateway's default writer (a child process with its own connection) chains, commits and signs on
    PostgreSQL, interleaved with a store in this process, without forking the chain."""
    import time

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from mlsecure.serving.audit_writer import ProcessAuditWriter
    from mlsecure.serving.signing import ResponseSigner, verify_response

    signer = ResponseSigner(Ed25519PrivateKey.generate())
    local = open_store(schema_url, hmac_key=HMAC_KEY)
    writer = ProcessAuditWriter(schema_url, hmac_key=HMAC_KEY, signer=signer)
    bodies = [f'{{"i":{i}}}'.encode() for i in range(40)]
    try:
        signatures = []
        for start in range(0, 40, 10):
            items = [({"event_id": f"{i:032x}", "timestamp": time.time(), "event_type": "prediction",
                       "actor": "tok", "action": "predict", "resource": "m:1", "details": {"i": i}},
                      bodies[i], None) for i in range(start, start + 10)]
            results = writer.append_many(items)
            assert all(err is None for _, err, _ in results)
            signatures += [sig for sig, _, _ in results]
            local.append(make_event(start + 1))
    finally:
        writer.close()
    assert all(verify_response(b, s, signer.public_key) for b, s in zip(bodies, signatures, strict=True))
    assert local.size() == 44 and local.verify().ok
    local.close()
