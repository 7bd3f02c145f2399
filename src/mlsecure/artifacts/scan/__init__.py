"""The model-artifact scanner (OWASP ML06): finds code execution hidden in model files, never
importing or executing what it reads.

``scan_path(path)`` returns one ``ArtifactResult`` per file (format, verdict, issues);
``build_report(results)`` turns results into the shared ``Report`` of ``ART-NNN`` findings.
"""

from mlsecure.artifacts.scan.engine import ArtifactResult, scan_file, scan_path, scan_paths
from mlsecure.artifacts.scan.interface import Issue, IssueKind, Limits, Verdict
from mlsecure.artifacts.scan.report import build_report, to_findings

__all__ = ["ArtifactResult", "Issue", "IssueKind", "Limits", "Verdict", "build_report", "scan_file", "scan_path",
           "scan_paths", "to_findings"]
