"""The site's Ed25519 signing key and the Data Integrity proof (``eddsa-jcs-2022``) made with it.

The proof follows the W3C "Data Integrity EdDSA Cryptosuites v1.0" algorithm for
``eddsa-jcs-2022``: JCS (RFC 8785) canonicalisation of the document and of the proof
options, SHA-256 of each, Ed25519 over the two hashes, base58btc multibase proof value.
``docs/certificates.md`` describes it step by step for people verifying by hand.

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
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
KEY_PATH = "/.well-known/glassbook-certificate-key.json"


# --- JCS (RFC 8785) ---------------------------------------------------------------------


class CanonicalizationError(ValueError):
    pass


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 (JCS) serialisation of a JSON value, as UTF-8 bytes."""
    try:
        return _jcs(value).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: not valid Unicode, RFC 8785 says reject
        raise CanonicalizationError("strings must be valid Unicode") from exc


def _jcs(value: Any) -> str:
    if value is None or value is True or value is False:
        return json.dumps(value)
    if isinstance(value, str):
        # Python's escaping with ensure_ascii=False is exactly ECMAScript's JSON.stringify:
        # \b \t \n \f \r \" \\ as short escapes, other controls as lower-case \u00xx, the rest raw.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        if abs(value) > 2**53:  # beyond IEEE 754 doubles JSON numbers are not portable
            raise CanonicalizationError(f"integer out of the interoperable range: {value}")
        return str(value)
    if isinstance(value, float):
        return _es_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CanonicalizationError("object keys must be strings")
        # RFC 8785 sorts by UTF-16 code units; big-endian UTF-16 bytes compare the same way.
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(f"{_jcs(key)}:{_jcs(value[key])}" for key in keys) + "}"
    raise CanonicalizationError(f"not a JSON value: {type(value).__name__}")


def _es_number(number: float) -> str:
    """ECMAScript Number::toString, which RFC 8785 prescribes for numbers."""
    if not math.isfinite(number):
        raise CanonicalizationError("NaN and infinities are not JSON")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr() gives the shortest digits that round-trip, as ECMAScript does; ECMAScript then
    # writes value = digits x 10^(n-k) in one of four forms depending on n.
    mantissa, _, exp = repr(abs(number)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    trailing = len(digits) - len(digits.rstrip("0"))
    digits = digits.rstrip("0")
    k = len(digits)
    n = int(exp or 0) - len(frac) + trailing + k
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + text


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


def verification_method() -> str:
    return f"{settings.SITE_URL}{KEY_PATH}#{public_jwk()['kid']}"


# --- the proof --------------------------------------------------------------------------


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    config = dict(proof_options)
    if "@context" in document:
        config["@context"] = document["@context"]
    return hashlib.sha256(canonicalize(config)).digest() + hashlib.sha256(canonicalize(document)).digest()


def add_proof(document: dict[str, Any], *, created: str) -> dict[str, Any]:
    """``document`` with an ``eddsa-jcs-2022`` DataIntegrityProof made with the site key."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method(),
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key().sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + base58btc_encode(signature)}}


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def verify_proof(document: Any, jwk: dict[str, Any]) -> Verification:
    """Check ``document``'s proof against the public key ``jwk``; never raises on bad input."""
    if not isinstance(document, dict) or not isinstance(document.get("proof"), dict):
        return Verification(False, "the document has no proof")
    proof = document["proof"]
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return Verification(False, f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return Verification(False, f"the proof purpose is not {PROOF_PURPOSE}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return Verification(False, "the proof names no verification method")
    if jwk.get("kid") and method.rpartition("#")[2] != jwk["kid"]:
        return Verification(False, f"the proof was made with key {method.rpartition('#')[2]!r}, not {jwk['kid']!r}")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return Verification(False, "the proof value is not base58btc multibase")
    try:
        signature = base58btc_decode(value[1:])
        key = public_key_from_jwk(jwk)
        options = {name: item for name, item in proof.items() if name != "proofValue"}
        unsecured = {name: item for name, item in document.items() if name != "proof"}
        key.verify(signature, _hash_data(unsecured, options))
    except InvalidSignature:
        return Verification(False, "the signature does not match the content")
    except (ValueError, CanonicalizationError) as exc:
        return Verification(False, str(exc))
    return Verification(True, "the signature is valid")
