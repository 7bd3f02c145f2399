"""The contract every audit store passes: subclassed once per backend (SQLite, PostgreSQL).

A subclass provides the fixtures ``url`` (a fresh, empty log) and ``raw`` (a callable running raw SQL
statements on that log with the append-only triggers disabled: the attacker with database access).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from audit_fixtures import HMAC_KEY, OTHER_KEY, T0, make_event
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit import AuditEvent, AuditStore, open_store
from mlsecure.audit.chain import entry_hash
from mlsecure.audit.merkle import leaf_hash, merkle_root, verify_consistency
from mlsecure.errors import ConfigError

Raw = Callable[[str], None]


def _filled(url: str, n: int = 8, **settings: object) -> AuditStore:
    store = open_store(url, hmac_key=HMAC_KEY, **settings)  # type: ignore[arg-type]
    store.append_many([make_event(i) for i in range(1, n + 1)])
    return store


class StoreContract:
    def test_append_assigns_consecutive_seqs_and_round_trips(self, url: str) -> None:
        with open_store(url, hmac_key=HMAC_KEY) as store:
            first = store.append(make_event(1))
            rest = store.append_many([make_event(2), make_event(3)])
            assert [first.seq, *(r.seq for r in rest)] == [1, 2, 3]
            assert first.prev_hash == "00" * 32
            assert rest[0].prev_hash == first.entry_hash
            # the stored link is the documented HMAC over (seq, prev, canonical event)
            assert first.entry_hash == entry_hash(HMAC_KEY, 1, bytes(32), make_event(1).canonical_json()).hex()
            records = list(store.query())
            assert [r.event for r in records] == [make_event(1), make_event(2), make_event(3)]
            assert store.size() == 3
            result = store.verify()
            assert result.ok and result.records_checked == 3 and result.problems == ()

    def test_query_filters(self, url: str) -> None:
        with _filled(url, 9) as store:
            assert [r.seq for r in store.query(actor="user1")] == [1, 4, 7]
            assert [r.seq for r in store.query(event_type="auth")] == [2, 4, 6, 8]
            assert [r.seq for r in store.query(since=T0.replace(second=10), limit=2)] == [5, 6]
            assert [r.seq for r in store.query(after_seq=7)] == [8, 9]

    def test_reopen_with_wrong_key_is_refused(self, url: str) -> None:
        _filled(url, 2).close()
        with pytest.raises(ConfigError, match="does not match"):
            open_store(url, hmac_key=OTHER_KEY)

    def test_modified_event_is_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            raw("UPDATE audit_records SET event_json = replace(event_json, '\"outcome\":\"allowed\"', "
                "'\"outcome\":\"denied\"'), outcome = 'denied' WHERE seq = 3")
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 3
            assert len(result.problems) == 1 and result.problems[0].startswith("record #3: HMAC")

    def test_modified_index_column_is_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            raw("UPDATE audit_records SET actor = 'mallory' WHERE seq = 5")
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 5
            assert "actor='mallory'" in result.problems[0]

    def test_deleted_record_is_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            raw("DELETE FROM audit_records WHERE seq = 4")
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 5
            assert "#4 missing" in result.problems[0]

    def test_swapped_records_are_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            raw("UPDATE audit_records SET seq = -seq WHERE seq IN (3, 5)")
            raw("UPDATE audit_records SET seq = CASE seq WHEN -3 THEN 5 ELSE 3 END WHERE seq < 0")
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 3
            bad = {p.split(":")[0] for p in result.problems}
            assert bad == {"record #3", "record #4", "record #5", "record #6"}

    def test_forged_record_without_key_is_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            last = list(store.query())[-1]
            forged = make_event(99)
            link = entry_hash(OTHER_KEY, 9, bytes.fromhex(last.entry_hash), forged.canonical_json())
            raw(_insert_sql(9, forged, last.entry_hash, link.hex()))
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 9
            assert "forged without the key" in result.problems[0]

    def test_inserted_record_in_the_middle_is_caught(self, url: str, raw: Raw) -> None:
        with _filled(url) as store:
            records = list(store.query())
            raw("UPDATE audit_records SET seq = -(seq + 1) WHERE seq >= 4")
            raw("UPDATE audit_records SET seq = -seq WHERE seq < 0")
            forged = make_event(42)
            link = entry_hash(OTHER_KEY, 4, bytes.fromhex(records[2].entry_hash), forged.canonical_json())
            raw(_insert_sql(4, forged, records[2].entry_hash, link.hex()))
            result = store.verify()
            assert not result.ok and result.first_bad_seq == 4 and result.records_checked == 9

    def test_truncation_passes_the_bare_chain_but_not_an_exported_checkpoint(
            self, url: str, raw: Raw, signing_key: Ed25519PrivateKey) -> None:
        with _filled(url, 10, signing_key=signing_key) as store:
            witness = store.checkpoint().to_note()  # exported to someone outside the host
            raw("DELETE FROM audit_records WHERE seq > 7")
            raw("DELETE FROM audit_checkpoints")  # the attacker also removes the stored tree heads
            assert store.verify().ok  # a hash chain cannot see its own tail cut off ...
            from mlsecure.audit import Checkpoint

            result = store.verify(checkpoints=[Checkpoint.from_note(witness)],
                                  public_key=signing_key.public_key())
            assert not result.ok  # ... the signed tree head can
            assert "records #8..#10 are missing" in result.problems[0]

    def test_rollback_and_rewrite_with_the_key_is_caught_by_a_checkpoint(
            self, url: str, raw: Raw, signing_key: Ed25519PrivateKey) -> None:
        with _filled(url, 6, signing_key=signing_key) as store:
            witness = store.checkpoint()
            raw("DELETE FROM audit_records WHERE seq >= 5")
            raw("DELETE FROM audit_checkpoints")
            store.append_many([make_event(50), make_event(51)])  # an insider holding the HMAC key
            assert store.verify().ok
            result = store.verify(checkpoints=[witness], public_key=signing_key.public_key())
            assert not result.ok and "does not match records #1..#6" in result.problems[0]

    def test_periodic_checkpoints_are_signed_tree_heads(self, url: str, signing_key: Ed25519PrivateKey) -> None:
        with open_store(url, hmac_key=HMAC_KEY, signing_key=signing_key, checkpoint_every=10) as store:
            for i in range(1, 36):
                store.append(make_event(i))
            checkpoints = store.checkpoints()
            assert [c.tree_size for c in checkpoints] == [10, 20, 30]
            leaves = [leaf_hash(make_event(i).canonical_json()) for i in range(1, 36)]
            for cp in checkpoints:
                assert cp.origin == store.origin
                assert cp.verify_signature(signing_key.public_key())
                assert cp.root_hash == merkle_root(leaves[:cp.tree_size])
            proof = store.consistency_proof(10, 30)
            assert verify_consistency(10, 30, checkpoints[0].root_hash, checkpoints[2].root_hash, proof)
            result = store.verify(public_key=signing_key.public_key())
            assert result.ok and result.checkpoints_checked == 3

    def test_checkpoint_signed_by_another_key_is_reported(self, url: str, signing_key: Ed25519PrivateKey) -> None:
        with _filled(url, 3, signing_key=signing_key) as store:
            cp = store.checkpoint()
            other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
            result = store.verify(checkpoints=[cp], public_key=other, stored_checkpoints=False)
            assert not result.ok and "invalid signature" in result.problems[0]

    def test_concurrent_appends_get_unique_seqs_and_verify(self, url: str) -> None:
        threads, per_thread = 8, 25
        with open_store(url, hmac_key=HMAC_KEY) as store:
            seqs: list[int] = []
            lock = threading.Lock()

            def work(t: int) -> None:
                for i in range(per_thread):
                    record = store.append(AuditEvent(event_type="prediction", actor=f"t{t}", action="predict",
                                                     resource="m", details={"i": i}))
                    with lock:
                        seqs.append(record.seq)

            workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            assert sorted(seqs) == list(range(1, threads * per_thread + 1))
            result = store.verify()
            assert result.ok and result.records_checked == threads * per_thread
            # each thread's own appends keep their order in the chain
            for t in range(threads):
                assert [r.event.details["i"] for r in store.query(actor=f"t{t}")] == list(range(per_thread))


def _insert_sql(seq: int, event: AuditEvent, prev: str, link: str) -> str:
    d = event.to_dict()
    text = event.canonical_json().decode().replace("'", "''")
    return ("INSERT INTO audit_records (seq, event_id, timestamp, event_type, actor, action, resource, outcome, "
            f"input_hash, event_json, prev_hash, entry_hash) VALUES ({seq}, '{d['event_id']}', '{d['timestamp']}', "
            f"'{d['event_type']}', '{d['actor']}', '{d['action']}', '{d['resource']}', '{d['outcome']}', "
            f"'{d['input_hash']}', '{text}', '{prev}', '{link}')")
