"""``CredentialApiArgument``: a password or key passed as a positional string literal to an API whose
documented signature says that argument is the credential: ``new NetworkCredential("user", "...")``,
``DriverManager.getConnection(url, "user", "...")``, ``HTTPBasicAuth("user", "...")``,
``smtp.login("user", "...")``. A generic keyword rule cannot see these: no name says "password".

The table names each call and the 0-based index of its credential argument, from the API's reference
(given beside each entry). Only string literals count (a variable or an expression is how it should be
written); the value must be a usable password (not a reference, a placeholder word, or under 6 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.command_line import _usable
from mlsecure.secrets.interface import Candidate, Detector, FileKind

# (call name as written before "(", index of the credential argument, where the signature is documented)
CREDENTIAL_CALLS: tuple[tuple[str, int, str], ...] = (
    ("NetworkCredential", 1, ".NET System.Net.NetworkCredential(string userName, string password[, string domain])"),
    ("DirectoryEntry", 2, ".NET DirectoryServices.DirectoryEntry(string path, string username, string password)"),
    ("PrincipalContext", 3, ".NET PrincipalContext(ContextType, string name, string userName, string password)"),
    ("getConnection", 2, "Java java.sql.DriverManager.getConnection(String url, String user, String password)"),
    ("UsernamePasswordCredentials", 1, "Apache HttpClient UsernamePasswordCredentials(String userName, String pw)"),
    ("PasswordAuthentication", 1, "Java java.net.PasswordAuthentication(String userName, char[] password)"),
    ("HTTPBasicAuth", 1, "requests.auth.HTTPBasicAuth(username, password)"),
    ("HTTPDigestAuth", 1, "requests.auth.HTTPDigestAuth(username, password)"),
    ("HTTPProxyAuth", 1, "requests.auth.HTTPProxyAuth(username, password)"),
    ("BasicAuth", 1, "aiohttp.BasicAuth(login, password='', encoding='latin1'); httpx.BasicAuth(username, password)"),
    ("DigestAuth", 1, "httpx.DigestAuth(username, password)"),
    ("login", 1, "Python smtplib.SMTP.login(user, password), ftplib.FTP.login(user, passwd), IMAP4.login(user, pw)"),
    ("FTP", 2, "Python ftplib.FTP(host, user, passwd)"),
    ("FTP_TLS", 2, "Python ftplib.FTP_TLS(host, user, passwd)"),
    ("simple_bind_s", 1, "python-ldap LDAPObject.simple_bind_s(who, cred)"),
    ("bind_s", 1, "python-ldap LDAPObject.bind_s(who, cred, method)"),
    ("SetCredentials", 1, "Go / .NET client SetCredentials(user, password) conventions: (user, password)"),
    ("SetBasicAuth", 1, "Go net/http Request.SetBasicAuth(username, password string)"),
    ("PlainAuth", 2, "Go net/smtp PlainAuth(identity, username, password, host string)"),
)
_INDEX = {name: index for name, index, _ in CREDENTIAL_CALLS}
_CALL = re.compile(r"(?<![\w$])(?P<name>" + "|".join(sorted(_INDEX, key=len, reverse=True)) + r")[ \t]*\(")
# one argument: a string literal (optionally followed by .toCharArray() / .ToCharArray()) or any other text
_LITERAL = re.compile(r"[ \t\r\n]*(?:[@bru]{0,2})(?P<q>[\"'])(?P<value>(?:\\.|(?!(?P=q))[^\\\n]){0,200})(?P=q)"
                      r"(?:\.[Tt]o[Cc]har[Aa]rray\(\))?[ \t\r\n]*(?=[,)])")
_OTHER = re.compile(r"[^,()\"'\n]{0,200}(?:\([^()\n]{0,200}\))?[^,()\"'\n]{0,200}")


class CredentialApiArgument(Detector):
    """A credential written as the documented password argument of a call (see ``CREDENTIAL_CALLS``)."""

    rule_id = "SEC-026"
    title = "Password passed to a credential API"
    description = ("A string literal passed as the password / credential argument of an API whose signature "
                   "says so: NetworkCredential(user, \"...\"), DriverManager.getConnection(url, user, \"...\"), "
                   "HTTPBasicAuth(user, \"...\"), smtp.login(user, \"...\").")
    severity = Severity.MEDIUM
    priority = 43
    keywords = tuple(sorted({name.lower() + "(" for name in _INDEX} | {name.lower() + " (" for name in _INDEX}))

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        for call in _CALL.finditer(text):
            wanted = _INDEX[call.group("name")]
            position = call.end()
            for index in range(wanted + 1):
                literal = _LITERAL.match(text, position)
                if index == wanted:
                    if literal is not None and (literal.group("q") == '"' or kind is not FileKind.C_LIKE_CODE):
                        value = literal.group("value")
                        if _usable(value, password=True, quoted=True):
                            yield Candidate(detector=self.rule_id, secret=value, start=literal.start("value"),
                                            end=literal.end("value"), severity=self.severity,
                                            details={"argument_of": call.group("name"), "argument": wanted},
                                            free_form=True)
                    break
                other = _OTHER.match(text, position)
                end = literal.end() if literal is not None else other.end() if other is not None else position
                if text[end:end + 1] != ",":
                    break  # fewer arguments than the signature's credential position
                position = end + 1
