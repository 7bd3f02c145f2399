"""Choosing checks (``registry``) and running them into one ``Report`` (``runner``)."""
