"""PII recognizers as data (``builtin.BUILTIN``) and their registry."""

from mlsecure.privacy.pii.recognizers.interface import Recognizer, RecognizerError
from mlsecure.privacy.pii.recognizers.registry import recognizers, register

__all__ = ["Recognizer", "RecognizerError", "recognizers", "register"]
