"""TensorFlow SavedModel graphs: operators that touch the file system or run Python.

``saved_model.pb`` is a protobuf whose ``NodeDef.op`` (field 2) names each operator; the op names
are matched as encoded protobuf fields, so TensorFlow is not needed.
"""

from __future__ import annotations

from typing import ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity

DANGEROUS_OPS = {
    "PyFunc": Severity.CRITICAL, "PyFuncStateless": Severity.CRITICAL, "EagerPyFunc": Severity.CRITICAL,
    "ReadFile": Severity.HIGH, "WriteFile": Severity.HIGH, "MatchingFiles": Severity.HIGH,
    "DeleteFile": Severity.HIGH, "FileSystemSetConfiguration": Severity.HIGH, "ImmutableConst": Severity.MEDIUM,
    "LoadLibrary": Severity.CRITICAL, "DebugIdentityV2": Severity.MEDIUM, "PrintV2": Severity.LOW,
}


class SavedModelScanner(Scanner):
    name = "tf-savedmodel"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.SAVEDMODEL})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        data = blob.read_all()
        issues = []
        for op, severity in DANGEROUS_OPS.items():
            encoded = b"\x12" + bytes([len(op)]) + op.encode()
            count = data.count(encoded)
            if count:
                issues.append(Issue(IssueKind.DANGEROUS_OP, severity,
                                    f"graph uses the {op} operator ({count}x)", offset=data.find(encoded),
                                    evidence={"op": op, "count": count}))
        return issues
