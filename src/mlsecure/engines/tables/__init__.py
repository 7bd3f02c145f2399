"""Tables past one process: the PII audit over all rows and anonymize, streamed in one process
(``stream``, ``audit``) or partition by partition on Spark (``spark``), and drift statistics as Spark
aggregations (``drift``). A unit of its own above ``privacy`` (docs/architecture.md): it runs the PII and
drift code, which the engine core below never imports."""
