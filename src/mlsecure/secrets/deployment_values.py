"""Values a deployment file holds in a secret's place that are encrypted at rest or name where the secret lives.

Session 13 read configs, manifests and CI files of config-heavy ML projects and added the tools whose whole purpose is
to let a secret's place be committed to git, each recognised by its own published format, never by a project's names:

* SOPS (``password: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]``): the value is encrypted with a data key that is
  itself encrypted for KMS / age / PGP recipients; the file carries a ``sops:`` block;
* Ansible Vault (``db_password: !vault |`` then ``$ANSIBLE_VAULT;1.1;AES256`` and hex lines): AES-256 ciphertext;
* Bitnami Sealed Secrets (``kind: SealedSecret`` ... ``encryptedData:``): each value is encrypted with the cluster
  controller's public key, "safe to store in a public repository" by the project's own documentation;
* the address of a secret in a secret manager: an AWS Secrets Manager / SSM ARN, a Google Secret Manager resource
  name (``projects/<p>/secrets/<name>/versions/latest``), an Azure Key Vault secret URI;
* a HashiCorp Vault Agent injector annotation (``vault.hashicorp.com/agent-inject-secret-<file>: database/creds/app``)
  or its Consul Template action (``{{- with secret "database/creds/app" -}}``): the path of the secret in Vault, read
  by the injector at pod start.

A value of such a place that is not in the tool's format (a clear value under ``encryptedData:`` of a plain Secret, a
clear password next to a ``sops:`` block) is still judged as any other.
"""

from __future__ import annotations

import re

_SOPS_FIELDS = r"iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]"
_SOPS_VALUE = re.compile(r"^ENC\[(?:AES256_GCM|AES256_CBC),data:[A-Za-z0-9+/=]*," + _SOPS_FIELDS + r"?$")
# a rule's capture may stop at the first comma: then the iv, tag and type must follow it in the text
_SOPS_HEAD = re.compile(r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,?$")
_SOPS_REST = re.compile(r",?" + _SOPS_FIELDS)
# where a secret manager keeps a secret: AWS Secrets Manager / SSM Parameter Store ARNs, Google Secret Manager resource
# names, Azure Key Vault secret URIs (each provider's documented identifier; the value is fetched with the caller's
# role)
_SECRET_STORE_REFERENCE = re.compile(
    r"^(?:arn:aws(?:-cn|-us-gov)?:(?:secretsmanager:[a-z0-9\-]+:\d{12}:secret:|ssm:[a-z0-9\-]+:\d{12}:parameter/)"
    r"[\w/+=.@\-]+"
    r"|projects/[\w\-]+/secrets/[\w\-]+(?:/versions/(?:\d+|latest))?"
    r"|https://[a-z0-9\-]+\.vault\.azure\.(?:net|cn|us)/secrets/[\w\-]+(?:/[0-9a-f]{32})?/?)$"
)
_ANSIBLE_VAULT_TAG = re.compile(r"^!vault(?:[ \t]+[|>][-+]?)?$")
_SEALED_SECRET_KIND = re.compile(r"(?m)^kind:[ \t]*[\"']?SealedSecret[\"']?[ \t]*$")
_ENCRYPTED_DATA = re.compile(r"(?m)^[ \t]*encryptedData:[ \t]*$")
# the injector's annotation, or a Consul Template action reading a Vault path ({{- with secret "database/creds/app" -}})
_VAULT_AGENT_PATH = re.compile(
    r"vault\.hashicorp\.com/agent-inject-secret-[\w.\-]+[\"']?[ \t]*:[ \t]*[\"']?$"
    r"|\{\{-?[ \t]*(?:with[ \t]+)?secret[ \t]+\\?[\"']$"
)
_VAULT_PATH = re.compile(r"^[\w.\-]+(?:/[\w.\-]+)+$")


def deployment_value(secret: str, before: str, text: str, start: int) -> str | None:
    """Why ``secret`` (``before`` it on its line, at ``start`` of ``text``) is ciphertext or a secret store's path."""
    if _SECRET_STORE_REFERENCE.match(secret):
        return "the address of a secret in a secret manager (an AWS ARN, projects/../secrets/.., a Key Vault URI)"
    if _SOPS_VALUE.match(secret) or (_SOPS_HEAD.match(secret) and _SOPS_REST.match(text, start + len(secret))):
        return "a SOPS-encrypted value (ENC[AES256_GCM,data:...,iv:...,tag:...]): ciphertext, committed by design"
    if _ANSIBLE_VAULT_TAG.match(secret):
        return "an Ansible Vault value (!vault | $ANSIBLE_VAULT;1.1;AES256 ...): ciphertext, committed by design"
    if _VAULT_AGENT_PATH.search(before) and _VAULT_PATH.match(secret):
        return "a Vault Agent injector annotation: the path of the secret in Vault, not the secret"
    if _SEALED_SECRET_KIND.search(text) is not None and _under_encrypted_data(text, start):
        return "a value of a SealedSecret's encryptedData (encrypted with the cluster controller's public key)"
    return None


def _under_encrypted_data(text: str, start: int) -> bool:
    """The value's line sits, by indentation, inside the nearest ``encryptedData:`` block above it."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = len(text[line_start:start]) - len(text[line_start:start].lstrip(" \t"))
    blocks = list(_ENCRYPTED_DATA.finditer(text, 0, line_start))
    if not blocks:
        return False
    block = blocks[-1]
    block_indent = len(block.group()) - len(block.group().lstrip(" \t"))
    between = text[block.end() : line_start].split("\n")
    shallower = [ln for ln in between if ln.strip() and len(ln) - len(ln.lstrip(" \t")) <= block_indent]
    return indent > block_indent and not shallower
