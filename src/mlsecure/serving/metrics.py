"""Prometheus metrics of one gateway (a private registry, so several apps can live in one process).

The per-request figures (requests by endpoint and status, their latency, predicted rows) are plain integers and
floats bumped by the event loop, turned into Prometheus families only when ``/metrics`` is read: the client
library's counter and histogram take a lock and walk their label tree on every call, a few percent of the
request path's CPU (``benchmarks/gateway.md``, session 7). The rare events (refusals, flags, upstream errors)
keep the library's counters. The exposition is the same families with the same names, labels and buckets.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from mlsecure.errors import require

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class GatewayMetrics:
    def __init__(self) -> None:
        prom: Any = require("prometheus_client", "gateway")
        self._prom = prom
        self.registry = prom.CollectorRegistry()
        self.rows_total = 0
        """Samples predicted (``mlsecure_gateway_predicted_rows_total``)."""
        self._requests: dict[tuple[str, int], int] = {}
        self._latency: dict[str, list[float]] = {}  # endpoint -> per-bucket counts (not cumulative), +Inf, sum
        self.registry.register(_PlainCollector(self))
        self.auth_failures = prom.Counter("mlsecure_gateway_auth_failures_total", "Refused authentications",
                                          registry=self.registry)
        self.rate_limited = prom.Counter("mlsecure_gateway_rate_limited_total", "Requests refused by a limit",
                                         ["limit"], registry=self.registry)
        self.invalid = prom.Counter("mlsecure_gateway_invalid_inputs_total", "Requests refused by validation",
                                    registry=self.registry)
        self.extraction_flags = prom.Counter("mlsecure_gateway_extraction_flags_total",
                                             "Clients flagged by the extraction monitor", registry=self.registry)
        self.upstream_errors = prom.Counter("mlsecure_gateway_upstream_errors_total",
                                            "Upstream model-server failures (502/504) by kind", ["kind"],
                                            registry=self.registry)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        key = (endpoint, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        hist = self._latency.get(endpoint)
        if hist is None:
            hist = self._latency[endpoint] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        hist[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # le: a value on a bound counts in that bucket
        hist[-1] += seconds

    def requests(self, endpoint: str, status: int) -> int:
        """Requests counted for ``endpoint`` answered with ``status``."""
        return self._requests.get((endpoint, status), 0)

    def render(self) -> tuple[bytes, str]:
        return self._prom.generate_latest(self.registry), self._prom.CONTENT_TYPE_LATEST


class _PlainCollector:
    """The plain per-request figures as Prometheus families, made when the registry is read."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self._m = metrics

    def describe(self) -> list[Any]:
        return []  # families are made at collection; nothing to check against other collectors

    def collect(self) -> list[Any]:
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        m = self._m
        requests = CounterMetricFamily("mlsecure_gateway_requests", "Requests by endpoint and status",
                                       labels=["endpoint", "status"])
        for (endpoint, status), n in sorted(m._requests.items()):
            requests.add_metric([endpoint, str(status)], n)
        latency = HistogramMetricFamily("mlsecure_gateway_request_seconds", "Request latency by endpoint",
                                        labels=["endpoint"])
        for endpoint, hist in sorted(m._latency.items()):
            buckets, running = [], 0.0
            for bound, count in zip((*(str(b) for b in LATENCY_BUCKETS), "+Inf"), hist[:-1], strict=True):
                running += count
                buckets.append((bound, running))
            latency.add_metric([endpoint], buckets, hist[-1])
        rows = CounterMetricFamily("mlsecure_gateway_predicted_rows", "Samples predicted")
        rows.add_metric([], m.rows_total)
        return [requests, latency, rows]
