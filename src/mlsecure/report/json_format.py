"""The JSON report: the stable contract (``Report.to_dict``), validated by the shipped schema."""

from mlsecure.findings import Report


def render(report: Report) -> str:
    return report.to_json(indent=2) + "\n"
