"""Opaque API tokens: only their SHA-256 is stored; lookup by public id, constant-time hash compare.

A token reads ``mlsgw_<id>_<secret>``: ``id`` (12 hex) is public and names the record (it is the
actor in the audit log); ``secret`` is 32 random bytes, urlsafe-base64. The store keeps
``sha256(token)`` and compares it with ``hmac.compare_digest``, so neither a stolen store nor the
timing of a wrong guess reveals a usable token. Two stores: SQLite (default) and a JSON file; both
notice changes made by another process (``mlsecure gateway token revoke``) on the next request.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import NewType

from mlsecure.errors import ConfigError, InputError
from mlsecure.private_files import write_private_file
from mlsecure.serving.rbac import Role, permissions_for

TokenId = NewType("TokenId", str)
TOKEN_PREFIX = "mlsgw_"
_TOKEN_RE = re.compile(r"^mlsgw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, kw_only=True)
class TokenRecord:
    """What the store keeps about one token (never the token itself)."""

    token_id: TokenId
    name: str
    role: Role
    scopes: tuple[str, ...]
    """Permissions this token is limited to (empty: everything its role allows)."""
    sha256: str
    created_at: float
    expires_at: float | None
    revoked_at: float | None = None

    @property
    def permissions(self) -> frozenset[str]:
        allowed = permissions_for(self.role)
        return allowed & frozenset(self.scopes) if self.scopes else allowed

    def status(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def public(self) -> dict[str, object]:
        """JSON-able view without the hash (for ``token list``)."""
        data = asdict(self)
        data.pop("sha256")
        data["role"] = self.role.value
        data["scopes"] = list(self.scopes)
        data["status"] = self.status()
        return data


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: TokenRecord


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_token_id(token: str) -> TokenId | None:
    """The public id of a well-formed opaque token, else ``None``."""
    m = _TOKEN_RE.match(token)
    return TokenId(m.group(1)) if m else None


class TokenStore(ABC):
    """Persistent token records; ``lookup`` is called once per request and must be cheap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, TokenRecord] = {}
        self._version: object = None

    def create(self, *, name: str, role: Role | str, scopes: tuple[str, ...] = (),
               ttl_s: float | None = None, now: float | None = None) -> IssuedToken:
        """Mint a new token; the plain token is returned once and never stored."""
        role = Role.parse(role)
        unknown = set(scopes) - permissions_for(Role.ADMIN)
        if unknown:
            raise InputError(f"unknown scope {sorted(unknown)[0]!r}; "
                             f"choose from {', '.join(sorted(permissions_for(Role.ADMIN)))}")
        if not name or len(name) > 200:
            raise InputError("token name must be 1-200 characters")
        if ttl_s is not None and ttl_s <= 0:
            raise InputError(f"token lifetime must be positive, got {ttl_s}")
        now = time.time() if now is None else now
        token_id = TokenId(secrets.token_hex(6))
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        record = TokenRecord(token_id=token_id, name=name, role=role, scopes=tuple(scopes), sha256=hash_token(token),
                             created_at=now, expires_at=None if ttl_s is None else now + ttl_s)
        self._insert(record)
        return IssuedToken(token, record)

    def revoke(self, token_id: str, *, now: float | None = None) -> TokenRecord:
        record = self.get(token_id)
        if record is None:
            raise InputError(f"no token with id {token_id!r}")
        if record.revoked_at is not None:
            return record
        record = replace(record, revoked_at=time.time() if now is None else now)
        self._update(record)
        return record

    def get(self, token_id: str) -> TokenRecord | None:
        self._refresh()
        return self._cache.get(token_id)

    def records(self) -> list[TokenRecord]:
        self._refresh()
        return sorted(self._cache.values(), key=lambda r: r.created_at)

    def verify(self, token: str) -> TokenRecord | None:
        """The record of ``token`` when its hash matches (constant-time), whatever its status."""
        token_id = parse_token_id(token)
        if token_id is None:
            return None
        record = self.get(token_id)
        if record is None:
            hmac.compare_digest(hash_token(token), "0" * 64)  # same work on a miss
            return None
        return record if hmac.compare_digest(hash_token(token), record.sha256) else None

    def _refresh(self) -> None:
        with self._lock:
            version = self._current_version()
            if version != self._version or self._version is None:
                self._cache = {r.token_id: r for r in self._load_all()}
                self._version = version

    @abstractmethod
    def _current_version(self) -> object: ...

    @abstractmethod
    def _load_all(self) -> list[TokenRecord]: ...

    @abstractmethod
    def _insert(self, record: TokenRecord) -> None: ...

    @abstractmethod
    def _update(self, record: TokenRecord) -> None: ...

    def close(self) -> None:  # noqa: B027  # optional hook
        """Release resources (SQLite connection)."""


class SqliteTokenStore(TokenStore):
    """Tokens in a SQLite table (rollback journal, so a commit rewrites the file): another process's
    commit is noticed from the file's mtime/size/inode, one ``stat`` per lookup."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db_lock = threading.Lock()
        try:
            with self._db_lock:
                self._conn.execute("PRAGMA busy_timeout = 5000")
                self._conn.execute("PRAGMA journal_mode = DELETE")
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS tokens (token_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                    "role TEXT NOT NULL, scopes TEXT NOT NULL, sha256 TEXT NOT NULL, created_at REAL NOT NULL, "
                    "expires_at REAL, revoked_at REAL)")
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{self.path}: not a usable token database: {exc}") from None
        _restrict_mode(self.path)

    def _current_version(self) -> object:
        return _file_version(self.path, self._local_writes)

    _local_writes = 0

    def _load_all(self) -> list[TokenRecord]:
        try:
            with self._db_lock:
                rows = self._conn.execute("SELECT token_id, name, role, scopes, sha256, created_at, expires_at, "
                                          "revoked_at FROM tokens").fetchall()
            return [_checked(TokenRecord(token_id=TokenId(r[0]), name=r[1], role=Role.parse(r[2]),
                                         scopes=tuple(json.loads(r[3])), sha256=r[4], created_at=r[5],
                                         expires_at=r[6], revoked_at=r[7])) for r in rows]
        except (sqlite3.DatabaseError, ValueError, TypeError, RecursionError) as exc:
            raise ConfigError(f"{self.path}: the token store is corrupt ({type(exc).__name__}: {exc}); restore it "
                              "from a backup or create a new one with `mlsecure gateway token create`") from None

    def _insert(self, record: TokenRecord) -> None:
        with self._db_lock:
            self._conn.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(record))
            self._local_writes += 1

    def _update(self, record: TokenRecord) -> None:
        with self._db_lock:
            self._conn.execute("UPDATE tokens SET revoked_at = ? WHERE token_id = ?",
                               (record.revoked_at, record.token_id))
            self._local_writes += 1

    def close(self) -> None:
        with self._db_lock:
            self._conn.close()


class JsonTokenStore(TokenStore):
    """Tokens in one JSON file, rewritten atomically; reloaded when its mtime/size changes."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        if not self.path.exists():
            self._write([])

    def _current_version(self) -> object:
        return _file_version(self.path, 0)

    def _load_all(self) -> list[TokenRecord]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [_checked(TokenRecord(token_id=TokenId(d["token_id"]), name=d["name"], role=Role.parse(d["role"]),
                                         scopes=tuple(d["scopes"]), sha256=d["sha256"], created_at=d["created_at"],
                                         expires_at=d["expires_at"], revoked_at=d.get("revoked_at")))
                    for d in data["tokens"]]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise ConfigError(f"{self.path}: malformed token file ({type(exc).__name__}: {exc}); restore it from a "
                              "backup or create a new one with `mlsecure gateway token create`") from None

    def _insert(self, record: TokenRecord) -> None:
        self._write([*self._load_all(), record])

    def _update(self, record: TokenRecord) -> None:
        self._write([record if r.token_id == record.token_id else r for r in self._load_all()])

    def _write(self, records: list[TokenRecord]) -> None:
        data = {"version": 1, "tokens": [dict(asdict(r), role=r.role.value, scopes=list(r.scopes)) for r in records]}
        # a private temporary file per writer, fsynced, renamed: a full disk leaves the old store intact
        write_private_file(self.path, json.dumps(data, indent=1).encode("utf-8"), what="the token store",
                           overwrite=True)


def open_token_store(path: str | Path) -> TokenStore:
    """``*.json`` opens the JSON file store, anything else the SQLite store. Every record is read once
    here, so a corrupt store is a ``ConfigError`` at start-up, not a 500 on every request."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise ConfigError(f"{path}: folder {path.parent} does not exist")
    store: TokenStore = JsonTokenStore(path) if path.suffix.lower() == ".json" else SqliteTokenStore(path)
    try:
        store.records()
    except BaseException:
        store.close()
        raise
    return store


def _checked(record: TokenRecord) -> TokenRecord:
    """A record whose fields have the types lookups rely on (a hand-edited store may not)."""
    if not (isinstance(record.token_id, str) and isinstance(record.name, str) and isinstance(record.sha256, str)
            and len(record.sha256) == 64 and all(isinstance(s, str) for s in record.scopes)
            and isinstance(record.created_at, (int, float))
            and all(v is None or isinstance(v, (int, float)) for v in (record.expires_at, record.revoked_at))):
        raise ValueError(f"token record {str(record.token_id)[:20]!r} has fields of the wrong type")
    return record


_RECENT_NS = 100_000_000


def _file_version(path: Path, local: int) -> object:
    """The file's (mtime, size, inode); a file changed in the last 100 ms counts as changed on every call,
    since file-system clocks can be coarser than the time between two writes."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if time.time_ns() - st.st_mtime_ns < _RECENT_NS:
        return object()
    return (st.st_mtime_ns, st.st_size, st.st_ino, local)


def _row(r: TokenRecord) -> tuple[object, ...]:
    return (r.token_id, r.name, r.role.value, json.dumps(list(r.scopes)), r.sha256, r.created_at, r.expires_at,
            r.revoked_at)


def _restrict_mode(path: Path) -> None:
    with contextlib.suppress(OSError):  # not the owner: leave it
        path.chmod(0o600)
