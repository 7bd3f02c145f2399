"""The trufflehog pattern-test extractor (tests/secrets/data/extract_trufflehog.py) on a Go test file we
wrote in trufflehog's table shape: it must evaluate literals, constants, ``+`` and ``fmt.Sprintf``,
label ``want`` lists positive and ``nil`` / ``[]string{}`` / absent negative, and skip (never guess)
what it cannot evaluate. trufflehog's own strings are AGPL-3.0 and are not committed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

_PATH = Path(__file__).parent / "data" / "extract_trufflehog.py"


def _extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_trufflehog", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GO_TEST = '''package example

import "fmt"

var (
	validPattern   = "q8Zr2LmX0pVt7sKdW3nB"
	invalidPattern = `q8Zr2LmX`
	keyword        = "example"
)

func TestExample_Pattern(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{
			name:  "valid pattern",
			input: fmt.Sprintf("%s token = '%s'", keyword, validPattern),
			want:  []string{validPattern},
		},
		{
			name:  "raw string",
			input: `API_KEY=` + validPattern + "\\n",
			want:  []string{"x"},
		},
		{
			name:  "invalid pattern",
			input: fmt.Sprintf("%s = '%s'", keyword, invalidPattern),
			want:  []string{},
		},
		{
			name:  "nil want",
			input: "example " + invalidPattern,
			want:  nil,
		},
		{
			name:  "no want",
			input: "example " + invalidPattern + "!",
		},
		{
			name:  "a call we do not evaluate",
			input: strings.Repeat("a", 40),
			want:  []string{"a"},
		},
	}
}
'''


def test_extractor_reads_the_table_shape() -> None:
    cases = list(_extractor().cases_of(GO_TEST))
    assert cases == [
        ("example token = 'q8Zr2LmX0pVt7sKdW3nB'", True),
        ("API_KEY=q8Zr2LmX0pVt7sKdW3nB\n", True),
        ("example = 'q8Zr2LmX'", False),
        ("example q8Zr2LmX", False),
        ("example q8Zr2LmX!", False),
        None,  # strings.Repeat(...) is skipped, not guessed
    ]
