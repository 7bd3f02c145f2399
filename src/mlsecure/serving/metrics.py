"""Prometheus metrics of one gateway (a private registry, so several apps can live in one process)."""

from __future__ import annotations

from typing import Any

from mlsecure.errors import require


class GatewayMetrics:
    def __init__(self) -> None:
        prom: Any = require("prometheus_client", "gateway")
        self._prom = prom
        self.registry = prom.CollectorRegistry()
        self.requests = prom.Counter("mlsecure_gateway_requests_total", "Requests by endpoint and status",
                                     ["endpoint", "status"], registry=self.registry)
        self.latency = prom.Histogram("mlsecure_gateway_request_seconds", "Request latency by endpoint",
                                      ["endpoint"], registry=self.registry,
                                      buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
        self.rows = prom.Counter("mlsecure_gateway_predicted_rows_total", "Samples predicted",
                                 registry=self.registry)
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
        self._by_endpoint: dict[tuple[str, int], Any] = {}
        self._latency: dict[str, Any] = {}

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        key = (endpoint, status)
        counter = self._by_endpoint.get(key)
        if counter is None:
            counter = self._by_endpoint[key] = self.requests.labels(endpoint, str(status))
        counter.inc()
        hist = self._latency.get(endpoint)
        if hist is None:
            hist = self._latency[endpoint] = self.latency.labels(endpoint)
        hist.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return self._prom.generate_latest(self.registry), self._prom.CONTENT_TYPE_LATEST
