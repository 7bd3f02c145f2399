"""SEC-021 (passwords given to commands) and SEC-022 (credentials in environment variable assignments):
one rule family each, with the look-alikes that must not fail a scan (references, placeholders, the next
flag, prose, the shell's own PWD, sort keys)."""

from __future__ import annotations

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.interface import FileKind

PW = "Xk9vQ2mT7wLp3zR8"  # a made-up value: 16 characters mixing cases and digits


def _failing(text: str, path: str = "deploy.sh", kind: FileKind = FileKind.CODE) -> list[tuple[str, str]]:
    findings = SecretScanner().scan_text(text + "\n", path=path, kind=kind)
    return [(f.rule_id, text[f.offset:f.offset + f.length]) for f in findings if f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize("line", [
    f"docker login -u myuser -p {PW} registry.example.com",
    f"docker login myregistry.azurecr.io --username admin --password '{PW}'",
    f"podman login -u bot -p={PW} quay.io",
    f"helm registry login ghcr.io -u me -p {PW}",
    f"mysql -u root -p{PW} mydb",
    f"mysqldump --user=app -p'{PW}' app > dump.sql",
    f"sshpass -p '{PW}' ssh deploy@10.0.0.5",
    f"sshpass -p{PW} scp a b:",
    f"redis-cli -h cache -a {PW} ping",
    f"sqlcmd -S db -U sa -P {PW} -Q 'select 1'",
    f"ldapsearch -x -D cn=admin -w {PW} -b dc=x",
    f"openssl pkcs12 -export -in c.pem -passout pass:{PW} -out c.p12",
    f"keytool -importcert -keystore ks.jks -storepass {PW} -file c.crt",
    f"zip -P {PW} secret.zip data.csv",
    f"7z a -p{PW} out.7z dir",
    f"mongosh --username admin --password {PW} mongodb://db",
    f"smbclient //srv/share -U alice%{PW}",
    f"rabbitmqctl add_user worker {PW}",
    f"htpasswd -bc .htpasswd admin {PW}",
    f"twine upload -u __token__ -p {PW} dist/*",
    f"az login --service-principal -u 0000 -p {PW} --tenant t",
    f'echo "{PW}" | docker login -u me --password-stdin ghcr.io',
    f"some-tool --db-password {PW} --host x",
    f"wget --http-password={PW} https://example.org/f",
])
def test_password_arguments_fail_a_scan(line: str) -> None:
    assert _failing(line) == [("SEC-021", PW)]


@pytest.mark.parametrize("line", [
    "docker login -p $ACR_PASSWORD registry",  # a reference
    'docker login -p "$(cat pw.txt)" registry',
    "docker login -p ${{ secrets.ACR_PASSWORD }} registry",  # a CI expression
    "echo $TOKEN | docker login --password-stdin ghcr.io",
    "mysql -u root -p mydb",  # -p without an attached value prompts
    "mysql -u root -p -h localhost",
    "sshpass -p password ssh host",  # a placeholder word
    "docker login -u me -p <your-password> registry",
    "Use the --password option to set it.",  # prose
    "some-tool --password-file /run/secrets/db --host x",  # a file, not the value
    "some-tool --token-name deploy",  # names something
    "mysql -u root -proot mydb",  # too short to tell from a placeholder (6+ characters are read)
    "some-tool --token abcdefgh",  # a token must look issued
])
def test_password_argument_look_alikes_do_not_fail(line: str) -> None:
    assert _failing(line) == []


@pytest.mark.parametrize(("line", "kind", "path"), [
    (f"export ACRPWD={PW}", FileKind.CODE, "deploy.sh"),
    (f"PGPASSWORD={PW} psql -h db -U app", FileKind.CODE, "run.sh"),
    (f"MYSQL_PWD={PW} mysql -u app", FileKind.CODE, "run.sh"),
    (f"ACR_PASS={PW}", FileKind.TEXT, "README.md"),
    (f'DB_CREDS="{PW}"', FileKind.CODE, "run.sh"),
    (f"MY_SERVICE_APIKEY={PW}", FileKind.CONFIG, ".env"),
    (f"docker run -e REGISTRY_SECRET={PW} image", FileKind.TEXT, "README.md"),
    (f"ENV DEPLOY_TOKEN={PW}", FileKind.CONFIG, "Dockerfile"),
    (f"set STORAGE_ACCESSKEY={PW}", FileKind.TEXT, "setup.bat"),
])
def test_environment_credentials_fail_a_scan(line: str, kind: FileKind, path: str) -> None:
    assert [value for _, value in _failing(line, path, kind)] == [PW]


@pytest.mark.parametrize(("line", "kind"), [
    ("export ACRPWD=${ACRPWD}", FileKind.CODE),
    ("export PWD=/home/user", FileKind.CODE),  # the shell's working directory
    ("SORT_KEY=created_at", FileKind.CONFIG),
    ("LOWPASS=2000", FileKind.CONFIG),
    ("API_KEY=api_key", FileKind.CODE),  # a variable in code
    ("HF_TOKEN=your_token_here", FileKind.CONFIG),
    ("PGPASSWORD=changeme psql", FileKind.CODE),
    ("GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}", FileKind.CONFIG),
    ("SSH_KEY=~/.ssh/id_ed25519", FileKind.CONFIG),  # a path
    ("PUBLIC_KEY=AAAAC3NzaC1lZDI1NTE5AAAAIOMq", FileKind.CONFIG),  # public
    ("CACHE_KEY=v2-deps-3f9a8b7c6d5e", FileKind.CONFIG),
])
def test_environment_look_alikes_do_not_fail(line: str, kind: FileKind) -> None:
    assert _failing(line, "x", kind) == []


def test_go_short_declaration_of_unparseable_text_is_a_literal() -> None:
    # detect-secrets' keyword plugin tests (Apache-2.0, tests/plugins/keyword_test.py) label this Go line positive
    assert [r for r, _ in _failing("db_pass := m{{h}o)p${e]nob(ody[finds>-_$#thisone}}", "main.go")] == ["SEC-017"]
    # ... while `:=` before an expression is code
    assert _failing("db_pass := os.Getenv(\"DB_PASS\")", "main.go") == []
    assert _failing("password := getPassword()", "main.go") == []


@pytest.mark.parametrize("line", [
    f"psexec \\\\10.0.0.5 -u Administrator -p {PW} cmd /c whoami",
    f"PsExec.exe \\\\host -u DOMAIN\\admin -p {PW} -i calc.exe",
    f"Connect-VIServer -Server 192.168.1.51 -User administrator@vsphere.local -Password {PW}",
    f"New-LocalUser -Name svc -Password '{PW}'",
    f"net use \\\\srv\\share /user:CORP\\bob {PW}",
])
def test_windows_and_powershell_password_arguments_fail(line: str) -> None:
    assert _failing(line, "deploy.ps1", FileKind.TEXT) == [("SEC-021", PW)]


@pytest.mark.parametrize("line", [
    "psexec \\\\host -u User -p $Password -i -d calc.exe",  # a PowerShell variable
    "psexec \\\\host -u User -p %nothing% -i",  # a batch variable
    'Connect-VIServer "$endpoint" -User "$username" -Password "$password"',
    "psexec \\\\host -u User -p PASSWORD cmd",  # the word itself
])
def test_windows_argument_references_do_not_fail(line: str) -> None:
    assert _failing(line, "deploy.ps1", FileKind.TEXT) == []


@pytest.mark.parametrize("text", [
    f"machine api.github.com login octocat password {PW}",
    f"machine pypi.org\n  login __token__\n  password {PW}\n",
])
def test_netrc_passwords_fail(text: str) -> None:
    assert _failing(text, ".netrc", FileKind.CONFIG) == [("SEC-023", PW)]


def test_netrc_reference_and_wandb_key() -> None:
    assert _failing("machine x.org login me password $NETRC_PASSWORD", ".netrc", FileKind.CONFIG) == []
    wandb = "machine api.wandb.ai\n  login user\n  password " + "4f1c2a9be07d4c3f8a6e5d2b1c0f9e8d7a6b5c4d\n"
    assert [rule for rule, _ in _failing(wandb, ".netrc", FileKind.CONFIG)] == ["SEC-012"]  # the provider's rule


@pytest.mark.parametrize("text", [
    "htpasswd -b " + "-a " * 7000,
    "docker login " + "-u x " * 4000,
    "mysql " + "-pa" * 7000,
    "echo x | " * 2000 + "--password-stdin",
    "machine " * 3000 + " password",
    "export " * 3000 + "X_TOKEN=abc",
    "-Password " * 2000,
    "aPassword" * 2000,
    '<add key="Password" value="' * 800,
])
def test_new_patterns_stay_linear_on_adversarial_input(text: str) -> None:
    import time

    started = time.process_time()
    for kind in (FileKind.CODE, FileKind.TEXT, FileKind.CONFIG):
        SecretScanner().scan_text(text, path="x", kind=kind)
    assert time.process_time() - started < 1.5  # ~0.1 s measured; backtracking would take seconds
