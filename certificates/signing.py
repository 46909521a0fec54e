"""The site's Ed25519 signing key, its did:web identity, and the Data Integrity proofs made with it.

The proofs follow the W3C "Data Integrity EdDSA Cryptosuites v1.0" algorithms for
``eddsa-jcs-2022`` (JCS, RFC 8785, by the ``rfc8785`` package) and ``eddsa-rdfc-2022``
(RDFC-1.0 by ``pyld``): canonicalise the proof configuration (which carries the document's
``@context``) and the document, SHA-256 of each, Ed25519 over the two hashes, base58btc
multibase proof value. ``docs/certificates.md`` describes it step by step.

Where the key comes from, first match wins:
1. ``settings.CERTIFICATE_SIGNING_KEY`` if the setting exists (a PEM, may be empty to skip),
   else the ``CERTIFICATE_SIGNING_KEY`` environment variable (a PEM);
2. the file ``settings.CERTIFICATE_SIGNING_KEY_FILE`` (default ``VAR_DIR/certificate_signing_key.pem``),
   generated on first use with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
KEY_PATH = "/.well-known/glassbook-certificate-key.json"


# --- canonical forms -------------------------------------------------------------------


class CanonicalizationError(ValueError):
    pass


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 (JCS) serialisation of a JSON value, as UTF-8 bytes."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalizationError(str(exc)) from exc


# --- base58btc multibase ----------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + out


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError(f"not base58btc: {char!r}")
        number = number * 58 + index
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


# --- the key ----------------------------------------------------------------------------

_keys: dict[str, Ed25519PrivateKey] = {}
_keys_lock = threading.Lock()


def private_key() -> Ed25519PrivateKey:
    pem = getattr(settings, "CERTIFICATE_SIGNING_KEY", None)
    if pem is None:
        pem = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
    if pem:
        source = "pem:" + hashlib.sha256(pem.encode()).hexdigest()
        loader = lambda: _load_pem(pem.encode())  # noqa: E731
    else:
        path = Path(
            getattr(settings, "CERTIFICATE_SIGNING_KEY_FILE", None) or settings.VAR_DIR / "certificate_signing_key.pem"
        )
        source = f"file:{path}"
        loader = lambda: _load_or_create(path)  # noqa: E731
    with _keys_lock:
        if source not in _keys:
            _keys[source] = loader()
        return _keys[source]


def _load_pem(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 private key (PEM, PKCS#8).")
    return key


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        if not settings.DEBUG:
            # Every process that signs must share one key; a per-container file breaks that.
            logger.warning(
                "Generating a certificate signing key in %s; set CERTIFICATE_SIGNING_KEY in production.", path
            )
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then link into place: link() fails if another process got there first,
        # so concurrent first uses agree on one key instead of overwriting each other.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _load_pem(path.read_bytes())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint of an Ed25519 JWK: a stable key id derived from the key itself."""
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(members.encode()).digest())


def public_jwk(key: Ed25519PublicKey | None = None) -> dict[str, str]:
    key = key or private_key().public_key()
    x = _b64url(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": jwk_thumbprint(x), "alg": "EdDSA", "use": "sig"}


def public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public JWK (kty OKP, crv Ed25519, x)")
    raw = _b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- did:web and Multikey ----------------------------------------------------------------

#: The multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint).
ED25519_PUB_PREFIX = b"\xed\x01"


def did() -> str:
    """The site's DID: ``did:web`` of ``SITE_URL`` (the port %-encoded, path segments as ``:``)."""
    parts = urlsplit(settings.SITE_URL)
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did", "web", quote(parts.netloc, safe=""), *segments])


def did_document_url() -> str:
    """Where did:web says the DID document of :func:`did` is (https in production)."""
    path = urlsplit(settings.SITE_URL).path.rstrip("/")
    return settings.SITE_URL + ("/did.json" if path else "/.well-known/did.json")


def public_key_multibase(key: Ed25519PublicKey | None = None) -> str:
    key = key or private_key().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc multibase (z...)")
    data = base58btc_decode(text[1:])
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise ValueError("publicKeyMultibase is not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def verification_method(key: Ed25519PublicKey | None = None) -> str:
    return f"{did()}#{public_key_multibase(key)}"


def fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, as colon-separated hex: what a person compares by eye."""
    key = key or private_key().public_key()
    digest = hashlib.sha256(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()
    return ":".join(digest[index : index + 4] for index in range(0, len(digest), 4)).upper()


def legacy_verification_method(key: Ed25519PublicKey | None = None) -> str:
    """The key URL that credentials issued before did:web name (a bare JWK with a #kid)."""
    return f"{settings.SITE_URL}{KEY_PATH}#{public_jwk(key)['kid']}"


# --- the proofs -------------------------------------------------------------------------

CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def _canonical(cryptosuite: str, value: dict[str, Any]) -> bytes:
    if cryptosuite == "eddsa-jcs-2022":
        return canonicalize(value)
    from certificates import jsonld

    return jsonld.canonical_nquads(value)


def _hash_data(cryptosuite: str, document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    # Both cryptosuites: SHA-256(canonical proof configuration) || SHA-256(canonical document).
    config_hash = hashlib.sha256(_canonical(cryptosuite, proof_config)).digest()
    return config_hash + hashlib.sha256(_canonical(cryptosuite, document)).digest()


def make_proof(unsecured: dict[str, Any], *, cryptosuite: str, created: str) -> dict[str, Any]:
    """One DataIntegrityProof over ``unsecured`` (a document without ``proof``), per the spec's Create Proof."""
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method(),
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    signature = private_key().sign(_hash_data(cryptosuite, unsecured, config))
    return {**config, "proofValue": "z" + base58btc_encode(signature)}


def add_proof(document: dict[str, Any], *, created: str) -> dict[str, Any]:
    """``document`` with a proof set: one ``eddsa-rdfc-2022`` and one ``eddsa-jcs-2022`` proof.

    Each proof signs the document without any proof (a set, not a chain), so a verifier that
    knows either cryptosuite can check the one it knows.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    record_signing_key()
    proofs = [make_proof(unsecured, cryptosuite=suite, created=created) for suite in CRYPTOSUITES]
    return {**unsecured, "proof": proofs}


def record_signing_key() -> None:
    """Remember every key that ever signed, so the DID document keeps listing it after a rotation."""
    from certificates.models import SigningKey

    SigningKey.objects.get_or_create(public_key_multibase=public_key_multibase())


def served(document: dict[str, Any]) -> dict[str, Any]:
    """A stored credential as it is served: the proof as a list, each proof carrying ``@context``.

    Credentials issued before this form left ``@context`` out of the emitted proof although it
    was part of what they signed; putting it back changes no signed byte.
    """
    proof = document.get("proof")
    if proof is None:
        return document
    proofs = proof if isinstance(proof, list) else [proof]
    fixed = []
    for item in proofs:
        if isinstance(item, dict) and "@context" not in item and "@context" in document:
            item = {**item, "@context": document["@context"]}
        fixed.append(item)
    return {**document, "proof": fixed}


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


KeyLookup = Callable[[str], Ed25519PublicKey | None]


def verify_proof(document: Any, keys: KeyLookup) -> Verification:
    """Check every proof of ``document`` per the spec's Verify Proof; never raises on bad input.

    ``keys`` maps a verificationMethod id to the public key the verifier trusts for it
    (``None``: unknown). All proofs must be valid and there must be at least one.
    """
    if not isinstance(document, dict) or "proof" not in document:
        return Verification(False, "the document has no proof")
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    if not proofs:
        return Verification(False, "the document has no proof")
    unsecured = {name: item for name, item in document.items() if name != "proof"}
    suites = []
    for proof in proofs:
        result = _verify_one(unsecured, proof, keys)
        if not result.ok:
            return result
        suites.append(proof["cryptosuite"])
    return Verification(True, f"the signature is valid ({', '.join(suites)})")


def _verify_one(unsecured: dict[str, Any], proof: Any, keys: KeyLookup) -> Verification:
    if not isinstance(proof, dict):
        return Verification(False, "a proof is not an object")
    suite = proof.get("cryptosuite")
    if proof.get("type") != PROOF_TYPE or suite not in CRYPTOSUITES:
        return Verification(False, f"the proof is not a {PROOF_TYPE} with cryptosuite {' or '.join(CRYPTOSUITES)}")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return Verification(False, f"the proof purpose is not {PROOF_PURPOSE}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return Verification(False, "the proof names no verification method")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return Verification(False, "the proof value is not base58btc multibase")
    config = {name: item for name, item in proof.items() if name != "proofValue"}
    document = dict(unsecured)
    if "@context" in config:
        # The document's @context must begin with the proof's; the proof's then stands for it.
        context, mine = _as_list(unsecured.get("@context")), _as_list(config["@context"])
        if context[: len(mine)] != mine:
            return Verification(False, "the proof's @context does not match the document's")
        document["@context"] = config["@context"]
    if suite == "eddsa-rdfc-2022" and "@context" in document:
        config["@context"] = document["@context"]  # RDF needs the terms to mean anything
    try:
        key = keys(method)
        if key is None:
            return Verification(False, f"the proof was made with an unknown key {method!r}")
        key.verify(base58btc_decode(value[1:]), _hash_data(suite, document, config))
    except InvalidSignature:
        return Verification(False, "the signature does not match the content")
    except (ValueError, CanonicalizationError) as exc:
        return Verification(False, str(exc))
    except Exception as exc:  # pyld raises its own JsonLdError for documents it cannot process
        return Verification(False, f"the document cannot be canonicalised: {type(exc).__name__}")
    return Verification(True, "the signature is valid")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def keys_from_jwk(jwk: dict[str, Any]) -> KeyLookup:
    """A lookup that trusts one JWK for any method whose fragment is its ``kid`` or its Multikey."""
    key = public_key_from_jwk(jwk)
    names = {public_key_multibase(key), public_jwk(key)["kid"]}
    return lambda method: key if method.rpartition("#")[2] in names else None


def keys_from_did_document(document: dict[str, Any]) -> KeyLookup:
    """A lookup over a DID/controller document: the Multikeys it lists under assertionMethod."""
    allowed = {
        item if isinstance(item, str) else item.get("id") for item in _as_list(document.get("assertionMethod") or [])
    }
    found: dict[str, Ed25519PublicKey] = {}
    for method in _as_list(document.get("verificationMethod") or []):
        if isinstance(method, dict) and method.get("id") in allowed and method.get("type") == "Multikey":
            found[method["id"]] = public_key_from_multibase(method.get("publicKeyMultibase", ""))
    for method in _as_list(document.get("assertionMethod") or []):  # embedded methods
        if isinstance(method, dict) and method.get("type") == "Multikey":
            found[method["id"]] = public_key_from_multibase(method.get("publicKeyMultibase", ""))
    return found.get


def site_keys() -> KeyLookup:
    """This site's own keys: every key that ever signed here, under both its names."""
    from certificates.models import SigningKey

    found: dict[str, Ed25519PublicKey] = {}
    multibases = set(SigningKey.objects.values_list("public_key_multibase", flat=True))
    multibases.add(public_key_multibase())
    for text in multibases:
        key = public_key_from_multibase(text)
        found[verification_method(key)] = key
        found[legacy_verification_method(key)] = key
    return found.get
