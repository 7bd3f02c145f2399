"""Session 6's general rules, each with the look-alikes it must leave alone: SEC-024 (a drawn token right
after a credential word in loose syntaxes), dotenv lines that hold a lone-word password (SEC-022),
positional / slash-option passwords of Windows and PowerShell commands (SEC-021), %-templates written in
full (a Django key holding ``%(`` is a key), and base64-encoded PEM private keys (SEC-025). Every positive
here was missed by the code before session 6."""

from __future__ import annotations

import base64
import hashlib

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.allowlist import is_placeholder, is_reference
from mlsecure.secrets.interface import FileKind

# made-up values: sha256-derived, so no real credential
HEX32 = hashlib.sha256(b"session6-hex").hexdigest()[:32]
B62 = base64.b64encode(hashlib.sha256(b"session6-b62").digest()).decode()
B62 = B62.rstrip("=").replace("+", "k").replace("/", "Q")[:32]
PW = "Xk9vQ2mT7wLp3zR8"


def _found(text: str, kind: FileKind = FileKind.TEXT, path: str = "notes.txt") -> list[tuple[str, str, Severity]]:
    findings = SecretScanner().scan_text(text + "\n", path=path, kind=kind)
    return [(f.rule_id, text[f.offset:f.offset + f.length], f.severity) for f in findings]


def _failing(text: str, kind: FileKind = FileKind.TEXT, path: str = "notes.txt") -> list[tuple[str, str]]:
    return [(rule, value) for rule, value, severity in _found(text, kind, path) if severity >= Severity.MEDIUM]


# hand-typed looking keys: drawn-shaped (letters with digits, no runs) but below SEC-018's entropy bar
# for a keyword merely on the line (0.8 log2 n); after an explicit credential word the bar is 0.7 log2 n
TYPED_LOWER = "k4dj9sk2jd8fk3ls9dk2jf8sk3ld9fk2"
TYPED_MIXED = "Hd8kS2jd9KdL3ks0Dk3jS9dk2LsD8k3d"


@pytest.mark.parametrize("template", [
    "zerobounceKEY={v}",          # credential word glued upper-case to the provider's name
    "scrapeowl SECRET {v}",       # only spaces between the word and the value
    "nimble ACCESS {v}",
    "clarifai access key {v}",    # two credential words
    "mediastack-SECRET-{v}",      # one dash as the separator
    '"rapidapiKey":"{v}"',        # a JSON key ending in Key
    "pdfshift ACCESS_TOKEN {v}",
    "key: {v}",
])
@pytest.mark.parametrize("value", [TYPED_LOWER, TYPED_MIXED])
def test_token_after_a_credential_word_in_loose_syntax(template: str, value: str) -> None:
    text = template.format(v=value)
    assert _failing(text) == [("SEC-024", value)], text


@pytest.mark.parametrize("value", [HEX32, B62])
def test_random_values_after_an_access_word(value: str) -> None:
    assert [v for _, v in _failing(f"nimble ACCESS {value}")] == [value]


@pytest.mark.parametrize("text", [
    '"accessor":"rA1wk0Y45YCufyfq",',                      # Vault's accessor: "access" inside a word
    "keyVaultToStoreSecrets: cmp2-qat-1208358310",          # a resource name
    'notes = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"',  # a package coordinate
    f"access key {HEX32}:c*X",                             # runs on into typed text
    f"secret key sha256 {HEX32}",                          # a digest line
    "token: ops_eyJzaWduSW5B..[Redacted]",                 # cut short in the text
    "the access token expires in 3600s and is refreshed",  # prose
    "primary_key: id_2024_customers_v2",                    # a database key name
])
def test_look_alikes_of_a_token_after_a_word_are_not_reported(text: str) -> None:
    assert [r for r, _, _ in _found(text) if r == "SEC-024"] == []


@pytest.mark.parametrize("value", ["abcdef1234567890abcdef1234567890", "1234567890abcdef1234567890abcdef",
                                  "zyxwvutsrqponmlk9876543210", "aaaaaabbbbbbcccccc111111", "abcd1234abcd1234abcd1234"])
def test_typed_filler_after_a_credential_word_is_an_info_stand_in(value: str) -> None:
    from mlsecure.secrets.detectors.context import typed_filler

    assert typed_filler(value)
    found = _found(f"boxSECRET {value}")
    assert found and all(severity is Severity.INFO for _, _, severity in found)


def test_drawn_values_are_not_filler_and_the_shape_needs_letters_with_digits() -> None:
    from mlsecure.secrets.detectors.context import drawn_shape, typed_filler

    assert not typed_filler(HEX32) and not typed_filler(B62)
    assert drawn_shape(HEX32) and drawn_shape(B62)
    assert not drawn_shape("abcdefghijklmnopqrstuvwx")  # letters only
    assert not drawn_shape("api.example.com")
    assert drawn_shape("3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30")  # UUID keys (Heroku, Bugsnag...)
    assert not typed_filler("9f71c52d839b5cd527645e42b5134f8b") and not typed_filler("3mL6pHJQ7NMK3v8Z1J6n2L9F6qK2dH")


@pytest.mark.parametrize("line", [
    "REACT_APP_AUTH_PASS=whiteduke",
    "# REACT_APP_PASS=whiteduke",
    "    DB_PASSWORD=whiteduke    # staging",
    "export SMTP_PASSWORD=whiteduke",
])
def test_dotenv_line_with_a_lone_word_password(line: str) -> None:
    assert _failing(line, FileKind.CONFIG, ".env") == [("SEC-022", "whiteduke")]


@pytest.mark.parametrize(("line", "kind"), [
    ("run with REACT_APP_AUTH_PASS=whiteduke to log in", FileKind.TEXT),  # prose around it: a word stays prose
    ("DB_PASSWORD=changeme", FileKind.CONFIG),                            # a placeholder word
    ("DB_PASSWORD=${DB_PASSWORD}", FileKind.CONFIG),                      # a reference
])
def test_lone_word_password_look_alikes(line: str, kind: FileKind) -> None:
    assert _failing(line, kind, ".env") == []


@pytest.mark.parametrize("line", [
    f"net user svc_backup {PW} /add",
    f"cmdkey /generic:fileserver /user:corp\\svc /pass:{PW}",
    f"schtasks /create /tn nightly /ru corp\\svc /rp {PW} /tr backup.exe",
    f'$pw = ConvertTo-SecureString "{PW}" -AsPlainText -Force',
    f"$pw = ConvertTo-SecureString -String '{PW}' -AsPlainText -Force",
])
def test_windows_and_powershell_password_arguments(line: str) -> None:
    assert _failing(line, FileKind.CODE, "setup.ps1") == [("SEC-021", PW)]


@pytest.mark.parametrize("line", [
    "net user svc_backup /add", "net user svc_backup * /add", "net user svc_backup /delete",
    "$pw = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force",
    "schtasks /create /tn nightly /ru SYSTEM /tr backup.exe",
])
def test_windows_password_look_alikes(line: str) -> None:
    assert _failing(line, FileKind.CODE, "setup.ps1") == []


def test_percent_template_only_when_written_in_full() -> None:
    assert is_reference("%(password)s") and is_reference("%(port)d") and is_placeholder("%(db_pass)s")
    django = "django-insecure-k2%(x9s)8w!_3v+o^#lw(ab=4n&l7q*zd0@3yj!ts1m^c^2%yx"
    assert not is_reference(django) and not is_placeholder(django)
    found = _failing(f"SECRET_KEY = '{django}'", FileKind.CODE, "settings.py")
    assert [v for _, v in found] == [django]
    assert _failing("password = '%(password)s'", FileKind.CODE, "settings.py") == []


def _pem(label: str, n: int = 600) -> str:
    body = base64.b64encode(hashlib.sha512(label.encode()).digest() * (n // 64)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def test_base64_encoded_private_key_is_reported_and_public_material_is_not() -> None:
    key = base64.b64encode(_pem("RSA PRIVATE KEY").encode()).decode()
    found = _failing(f"  tls.key: {key}", FileKind.CONFIG, "secret.yaml")
    assert found == [("SEC-025", key)]
    assert _found(f"  tls.key: {key}", FileKind.CONFIG, "secret.yaml")[0][2] is Severity.CRITICAL
    cut = key[:400]  # the start of a key, cut in the file: still key material
    assert [r for r, _ in _failing(f'"privateKey": "{cut}"', FileKind.CONFIG, "c.json")] == ["SEC-025"]
    for label in ("CERTIFICATE", "PUBLIC KEY"):
        public = base64.b64encode(_pem(label).encode()).decode()
        assert [r for r, _, _ in _found(f"  tls.crt: {public}", FileKind.CONFIG, "secret.yaml") if r == "SEC-025"] == []
    stub = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n").decode()
    assert [r for r, _, _ in _found(f"key: {stub}", FileKind.CONFIG, "c.yaml") if r == "SEC-025"] == []


def test_base64_private_key_wrapped_over_lines_and_other_base64_left_to_other_rules() -> None:
    wrapped = base64.encodebytes(_pem("PRIVATE KEY").encode()).decode()  # 76-character lines, as `base64` writes
    manifest = "data:\n  tls.key: |\n    " + wrapped.replace("\n", "\n    ") + "\n  name: web\n"
    assert [(r, s) for r, _, s in _found(manifest, FileKind.CONFIG, "secret.yaml")] == [("SEC-025", Severity.CRITICAL)]
    # a base64 PEM that decodes to no private key claims no span: the keyword rule still reads the value
    stub = base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n").decode()
    assert [r for r, _ in _failing(f'private_key = "{stub}"', FileKind.CODE, "app.py")] == ["SEC-017"]


@pytest.mark.parametrize(("joiner", "path"), [(" +\n", "Keys.java"), ("\n", "keys.py"), (" +\n    ", "keys.js")])
def test_private_key_written_as_string_pieces(joiner: str, path: str) -> None:
    lines = _pem("RSA PRIVATE KEY").splitlines()
    source = "KEY = (" + joiner.join(f'"{line}\\n"' for line in lines) + ")\n"
    found = _found(source, FileKind.CODE, path)
    assert [(r, s) for r, _, s in found] == [("SEC-014", Severity.CRITICAL)]
    # a BEGIN piece followed by prose, not key material: no key
    stub = '"-----BEGIN RSA PRIVATE KEY-----" +\n"..." +\n"-----END RSA PRIVATE KEY-----"\n'
    assert all(s is Severity.INFO for _, _, s in _found(stub, FileKind.CODE, path))


def test_private_key_pieces_with_the_end_line_unquoted_or_cut() -> None:
    lines = _pem("PRIVATE KEY").splitlines()
    pieces = " +\n".join(f'"{line}\\n"' for line in lines[:-1])
    assert [(r, s) for r, _, s in _found(pieces + "\n", FileKind.CODE, "K.java")] == [("SEC-014", Severity.CRITICAL)]
    assert [(r, s) for r, _, s in _found(pieces + "\n" + lines[-1] + "\n", FileKind.CODE, "K.java")] \
        == [("SEC-014", Severity.CRITICAL)]


@pytest.mark.parametrize(("line", "path"), [
    (f'var c = new NetworkCredential("svc_backup", "{PW}");', "Backup.cs"),
    (f'var e = new DirectoryEntry("LDAP://dc01", "CORP\\\\svc", "{PW}");', "Ldap.cs"),
    (f'Connection c = DriverManager.getConnection(url, "app", "{PW}");', "Db.java"),
    (f'return new PasswordAuthentication("bot", "{PW}".toCharArray());', "Mail.java"),
    (f'auth = HTTPBasicAuth("bot", "{PW}")', "client.py"),
    (f'smtp.login("alerts@corp.example", "{PW}")', "notify.py"),
    (f'req.SetBasicAuth("bot", "{PW}")', "client.go"),
    (f'auth := smtp.PlainAuth("", "bot@corp.org", "{PW}", "smtp.corp.org")', "mail.go"),
])
def test_password_as_the_documented_argument_of_a_credential_api(line: str, path: str) -> None:
    assert _failing(line, FileKind.C_LIKE_CODE if path.endswith(".cs") else FileKind.CODE, path) == [("SEC-026", PW)]


@pytest.mark.parametrize("line", [
    "smtp.login(user, password)",                              # variables: the right way
    'auth = HTTPBasicAuth("bot", os.environ["BOT_PASSWORD"])',  # an expression
    'auth = HTTPBasicAuth("bot", "password")',                  # a placeholder word
    'session.login("bot")',                                    # no credential argument
    f'HTTPBasicAuth("{PW}")',                                  # the user name position only
])
def test_credential_api_look_alikes(line: str) -> None:
    assert [r for r, _ in _failing(line, FileKind.CODE, "client.py") if r == "SEC-026"] == []
