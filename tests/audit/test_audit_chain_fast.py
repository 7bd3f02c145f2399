"""The append path's fast chaining (prepared HMAC states, direct row tuples) gives the reference bytes."""

from __future__ import annotations

import hashlib
import hmac

from audit_fixtures import make_event
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.audit.chain import GENESIS_HASH, INDEXED_FIELDS, ROW_COLUMNS, ChainMac, chain_events, entry_hash, make_row


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=1, max_size=200), seq=st.integers(0, 2**64 - 1), prev=st.binary(max_size=40),
       data=st.binary(max_size=300))
def test_chain_mac_is_rfc2104_hmac_sha256_for_every_key_length(key: bytes, seq: int, prev: bytes,
                                                                data: bytes) -> None:
    # reference: the standard library's one-shot HMAC (keys > 64 bytes are hashed first, RFC 2104 s.2)
    reference = hmac.digest(key, b"mlsecure-audit/v1\x00" + seq.to_bytes(8, "big") + prev + data, hashlib.sha256)
    mac = ChainMac(key)
    assert mac.link(seq, prev, data) == reference == entry_hash(key, seq, prev, data)
    assert mac.link(seq, prev, data) == reference  # the prepared states are copied, never consumed


def test_known_answer_of_the_first_link() -> None:
    # pins the on-disk chain format: computed once with hmac.new(key, domain || seq || prev || data, sha256)
    assert ChainMac(bytes(range(32))).link(1, GENESIS_HASH, b'{"a":1}').hex() == (
        "d9474c8fd6ed1c899bf99d5dbda56d51f8dc7bde4c5c850658852d9a49a228ed")


def test_chain_events_builds_exactly_the_rows_make_row_builds() -> None:
    key = b"k" * 32
    events = [make_event(i, actor=f"u{i % 3}") for i in range(1, 8)]
    params, records, tail = chain_events(ChainMac(key), 41, b"\x07" * 32, events)
    prev = b"\x07" * 32
    assert len(ROW_COLUMNS) == len(INDEXED_FIELDS) + 4
    for i, event in enumerate(events):
        row, link = make_row(key, 42 + i, prev, event)
        assert params[i] == (row.seq, *(v for _, v in row.columns), row.event_json, row.prev_hash, row.entry_hash)
        assert (records[i].seq, records[i].event, records[i].prev_hash, records[i].entry_hash) == (
            row.seq, event, row.prev_hash, row.entry_hash)
        prev = link
    assert tail == prev
    assert chain_events(ChainMac(key), 5, prev, []) == ([], [], prev)
