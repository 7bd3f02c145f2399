"""Session 13b: notebook outputs and docs read on ten fresh dev repositories (notebook / doc collections).

Each look-alike fails a default scan on the code before this session; its twin, the real secret in the same
place, still fails by the named rule. The mechanisms are in ``mlsecure.secrets.notebook_context``.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from look_alikes import assert_look_alike_pair, drawn, notebook, stream

from mlsecure.secrets.interface import FileKind
from mlsecure.secrets.notebook_context import (
    displayed_html,
    emphasized_words,
    escaped_reference,
    record_identifier,
    unquoted_constant,
)

RNG = random.Random(1313)


def _html_output(html: str) -> dict[str, object]:
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": html, "text/plain": "<Document>"}}


def _rich_html(name: str, value: str) -> str:
    """A rich-printed mapping entry as IPython saves it: every token in a styling span."""
    green = '<span style="color: #008000; text-decoration-color: #008000">'
    return (
        f'<pre style="white-space:pre;overflow-x:auto">meta: <span style="font-weight: bold">{{</span>'
        f"{green}'title'</span>: {green}'The Beatles'</span>, {green}'{name}'</span>: \n"
        f"{green}'{value}'</span>, {green}'page_number'</span>: 1}}</pre>"
    )


def test_html_output_read_as_displayed_names_a_document_hash(tmp_path: Path) -> None:
    # the same 64-hex value: under 'source_id' a content hash, under 'client_secret' a secret
    value = "".join(RNG.choice("0123456789abcdef") for _ in range(64))
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-019",
        notebook("print(docs)", [_html_output(_rich_html("source_id", value))]),
        notebook("print(docs)", [_html_output(_rich_html("client_secret", value))]),
    )


def test_displayed_html_keeps_links_and_reads_entities() -> None:
    assert displayed_html('<span style="color: red">&#x27;id&#x27;</span>: 1') == "'id': 1"
    link = '<a href="https://x.org/?token=abc">x</a>'
    assert displayed_html(link) == link  # an href is content, not styling


def _record(key: str, stamped: bool) -> str:
    stamps = (
        ",\n 'created_at': '2024-11-04T22:48:16.727572+00:00',\n 'updated_at': '2024-11-04T22:48:16.727574+00:00'"
        if stamped
        else ""
    )
    head = "{'value': {'food_preference': 'I like pizza'},"
    return f"{head}\n 'key': '{key}',\n 'namespace': ['1', 'memories']{stamps}}}"


def test_uuid_key_of_a_printed_record_with_timestamps(tmp_path: Path) -> None:
    key = str(uuid.UUID(int=RNG.getrandbits(128), version=4))
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-024",
        notebook("store.get(ns, k)", [stream(_record(key, stamped=True))]),
        notebook("store.get(ns, k)", [stream(_record(key, stamped=False))]),
    )


def test_record_identifier_needs_an_output() -> None:
    key = str(uuid.UUID(int=RNG.getrandbits(128), version=4))
    text = _record(key, stamped=True)
    at = text.index(key)
    assert record_identifier(key, text, at, "cell 3 output 0")
    assert not record_identifier(key, text, at, "cell 3")  # a typed cell source is not a printed record
    assert not record_identifier(key, text, at, None)


def test_unquoted_constant_in_a_code_cell_is_a_variable(tmp_path: Path) -> None:
    # unquoted, the header rule (SEC-240) reads the name as the value; since s13-secrets the same rule reads a quoted
    # token in a dict's "authorization" entry (before it, SEC-018 found the twin)
    token = drawn(RNG, 40)
    code = 'servers = {{"google": {{"url": url, "authorization": {value},\n}}}}'
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-240",
        notebook(code.format(value="GSUITE_ACCESS_TOKEN")),
        notebook(code.format(value=f'"{token}"')),
    )


def test_unquoted_constant_known_answers() -> None:
    text = '"authorization": GSUITE_ACCESS_TOKEN,'
    at = text.index("GSUITE")
    assert unquoted_constant("GSUITE_ACCESS_TOKEN", text, at, FileKind.CODE)
    assert not unquoted_constant("GSUITE_ACCESS_TOKEN", text, at, FileKind.TEXT)  # prose: not a variable
    quoted = '"authorization": "GSUITE_ACCESS_TOKEN",'
    assert not unquoted_constant("GSUITE_ACCESS_TOKEN", quoted, quoted.index("GSUITE"), FileKind.CODE)


def test_escaped_environment_reference(tmp_path: Path) -> None:
    line = '!SECRET_TOKEN="{value}" docker buildx build --tag=img --secret id=HF_TOKEN .\n'
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-017",
        notebook(line.format(value="$$HF_TOKEN")),
        notebook(line.format(value=drawn(RNG, 24))),
    )
    assert_look_alike_pair(
        tmp_path,
        "app/Code.gs",
        "SEC-022",
        'const script = `\nOAUTH_CLIENT_SECRET="\\$NEW_OAUTH_SECRET"\n`;\n',
        f'const script = `\nOAUTH_CLIENT_SECRET="{drawn(RNG, 24)}"\n`;\n',
    )


def test_escaped_reference_known_answers() -> None:
    assert escaped_reference("$$HF_TOKEN") and escaped_reference("\\$NEW_SECRET") and escaped_reference("$${TOKEN}")
    assert not escaped_reference("$$" + drawn(RNG, 20) + "!")
    assert not escaped_reference("a$$HF_TOKEN")


def test_markdown_emphasis_in_a_doc_is_prose(tmp_path: Path) -> None:
    line = "*   `GOOGLE_API_KEY`: {value} if *not* using Vertex AI or ADC. Paste your Gemini API key here.\n"
    assert_look_alike_pair(
        tmp_path, "docs/local_setup.md", "SEC-017", line.format(value="**Required**"), line.format(value=drawn(RNG, 32))
    )


def test_emphasized_words_known_answers() -> None:
    assert emphasized_words("**Required**") and emphasized_words("*optional*") and emphasized_words("__Not set__")
    assert not emphasized_words("**Kq3vT9pL2mX8**")  # digits: a value, even in bold
