"""SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): sans-I/O.

What the server sends (:func:`challenges`: one ``WWW-Authenticate`` value per algorithm,
SHA-256 first so that a client taking the first one it knows picks the stronger, MD5 last
for old clients), what it reads (:func:`parse_credentials`: an ``Authorization`` value;
anything malformed is a ``ValueError``, never another exception) and how it decides
(:func:`verify`: the client's ``response`` recomputed from the password, compared in
constant time).

Nonces are stateless (:class:`Nonces`): a timestamp and an HMAC of it (and of whatever
the caller binds it to, e.g. the realm) under a per-process secret. A nonce this server
made is accepted until ``lifetime`` seconds after it was made and is then *stale*: the
client is challenged again with ``stale=true`` and retries without asking its user. The
nonce count is not tracked, so a captured request can be replayed from within the
lifetime; the binding narrows that.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field

ALGORITHMS = {
    "MD5": hashlib.md5,
    "MD5-SESS": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-256-SESS": hashlib.sha256,
}
OFFERED = ("SHA-256", "MD5")  # the order challenges are sent in
NONCE_LIFETIME = 300.0  # seconds

_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def challenges(realm: str, nonce: str, opaque: str = "", *, stale: bool = False,
               algorithms=OFFERED) -> list[str]:
    """The ``WWW-Authenticate`` values of a 401, one per algorithm, in ``algorithms``'s order."""
    values = []
    for algorithm in algorithms:
        if algorithm.upper() not in ALGORITHMS:
            raise ValueError(f"unknown digest algorithm {algorithm!r}")
        parts = [f"realm={_quote(realm)}", f"nonce={_quote(nonce)}"]
        if opaque:
            parts.append(f"opaque={_quote(opaque)}")
        if stale:
            parts.append("stale=true")
        parts += [f"algorithm={algorithm}", 'qop="auth"']
        values.append("Digest " + ", ".join(parts))
    return values


def _param(name: str) -> property:
    return property(lambda self: self.params.get(name, ""), doc=f"the {name} parameter ('' when absent)")


@dataclass(frozen=True)
class Credentials:
    """One ``Authorization`` value: its parameters by lower-case name."""
    params: dict = field(default_factory=dict)

    username = _param("username")
    realm = _param("realm")
    nonce = _param("nonce")
    uri = _param("uri")
    response = _param("response")
    qop = _param("qop")
    nc = _param("nc")
    cnonce = _param("cnonce")
    opaque = _param("opaque")

    @property
    def algorithm(self) -> str:
        return (self.params.get("algorithm") or "MD5").upper()


def _params(text: str) -> dict:
    """``name=value`` pairs separated by commas; values are tokens or quoted strings
    (RFC 3261 §25.1: backslash escapes, commas and spaces inside quotes)."""
    params: dict[str, str] = {}
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            return params
        start = i
        while i < n and text[i] in _TOKEN_CHARS:
            i += 1
        name = text[start:i].lower()
        if not name:
            raise ValueError(f"parameter name expected at {text[start:start + 20]!r}")
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] != "=":
            raise ValueError(f"'=' expected after {name!r}")
        i += 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            i += 1
            chars = []
            while True:
                if i >= n:
                    raise ValueError(f"unterminated quoted string in {name!r}")
                c = text[i]
                if c == "\\":
                    if i + 1 >= n:
                        raise ValueError(f"unterminated quoted string in {name!r}")
                    chars.append(text[i + 1])
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                chars.append(c)
                i += 1
            value = "".join(chars)
        else:
            start = i
            while i < n and text[i] not in " \t,":
                i += 1
            value = text[start:i]
            if not value:
                raise ValueError(f"value expected for {name!r}")
        if name in params:
            raise ValueError(f"parameter {name!r} given twice")
        params[name] = value
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] != ",":
            raise ValueError(f"',' expected after {name!r}")


def parse_challenge(value: str) -> dict:
    """A ``WWW-Authenticate`` value of the Digest scheme as its parameters (a client's
    half, for tests and tools): ``ValueError`` when it is not one."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"not a Digest challenge: {scheme[:20]!r}")
    return _params(rest)


def parse_credentials(value: str) -> Credentials:
    """An ``Authorization``/``Proxy-Authorization`` value of the Digest scheme.

    ``ValueError`` for another scheme, broken syntax, or a missing username, realm,
    nonce, uri or response."""
    if not isinstance(value, str):
        raise ValueError("credentials must be text")
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"not Digest credentials: {scheme[:20]!r}")
    params = _params(rest)
    missing = [p for p in ("username", "realm", "nonce", "uri", "response") if not params.get(p)]
    if missing:
        raise ValueError(f"digest credentials lack {', '.join(missing)}")
    if (params.get("algorithm") or "MD5").upper() not in ALGORITHMS:
        raise ValueError(f"unsupported digest algorithm {params['algorithm'][:20]!r}")
    qop = params.get("qop")
    if qop and qop.lower() not in ("auth",):
        raise ValueError(f"unsupported qop {qop[:20]!r}")
    if qop and not (params.get("nc") and params.get("cnonce")):
        raise ValueError("qop given without nc and cnonce")
    return Credentials(params)


def response_for(*, algorithm: str, username: str, realm: str, password: str, method: str,
                 uri: str, nonce: str, qop: str = "", nc: str = "", cnonce: str = "") -> str:
    """The ``response`` value a client with ``password`` sends (RFC 7616 §3.4.1, RFC 2617
    without qop)."""
    algo = algorithm.upper()
    hash_ = ALGORITHMS[algo]

    def h(text: str) -> str:
        return hash_(text.encode("utf-8")).hexdigest()

    ha1 = h(f"{username}:{realm}:{password}")
    if algo.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop:
        return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return h(f"{ha1}:{nonce}:{ha2}")


def verify(credentials: Credentials, password: str, method: str) -> bool:
    """Whether ``credentials`` were made with ``password`` for a request of ``method``."""
    expected = response_for(algorithm=credentials.algorithm, username=credentials.username,
                            realm=credentials.realm, password=password, method=method,
                            uri=credentials.uri, nonce=credentials.nonce, qop=credentials.qop,
                            nc=credentials.nc, cnonce=credentials.cnonce)
    return hmac.compare_digest(expected.encode(), credentials.response.lower().encode("utf-8", "replace"))


class Nonces:
    """Stateless nonces: ``"<seconds hex>.<hmac hex>"``, valid for ``lifetime`` seconds."""

    VALID, STALE, BAD = "valid", "stale", "bad"

    def __init__(self, clock, *, secret: bytes | None = None, lifetime: float = NONCE_LIFETIME) -> None:
        self.clock = clock
        self.secret = secret if secret is not None else os.urandom(32)
        self.lifetime = lifetime

    def _mac(self, stamp: str, binding: str) -> str:
        return hmac.new(self.secret, f"{stamp}:{binding}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def make(self, binding: str = "") -> str:
        stamp = format(int(self.clock.seconds()), "x")
        return f"{stamp}.{self._mac(stamp, binding)}"

    def check(self, nonce: str, binding: str = "") -> str:
        """VALID, STALE (ours, but too old) or BAD (not ours, or from the future)."""
        stamp, dot, mac = nonce.partition(".")
        if not dot or not stamp or len(stamp) > 16 or not hmac.compare_digest(
                self._mac(stamp, binding).encode(), mac.encode("utf-8", "replace")):
            return self.BAD
        try:
            made = int(stamp, 16)
        except ValueError:
            return self.BAD
        age = self.clock.seconds() - made
        if age < -1:
            return self.BAD
        return self.VALID if age <= self.lifetime else self.STALE
