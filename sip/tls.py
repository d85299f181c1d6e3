"""SIP over TLS (RFC 3261 §26.3.1, RFC 5630): the server's TLS context and its listener.

`sip-ua / crypto signaling default trustpoint NAME [client-vtp CANAME]` names the files:
``NAME.pem`` (the certificate, then its chain) and ``NAME.key`` (its private key, PEM),
in the state directory, or at ``NAME`` itself when NAME is an absolute path prefix. With
``client-vtp``, ``CANAME.pem`` holds the CA certificates a client's certificate must chain
to and a client without one is refused in the handshake (mutual TLS, as OCS uses towards
its gateways). TLS 1.2 is the least version taken.

The listener is the same :class:`sip.transport.SIPStreamProtocol` as over TCP with
``transport_name="TLS"``: the flow does not care what the stream is. Anything wrong with
the files is a :class:`TLSConfigError` with a one-line message, raised before any
listener exists, so the caller can say so and go on without TLS.
"""
from __future__ import annotations

import os
import re

from twisted.application import internet

from sip.transport import LISTEN_BACKLOG, SIPStreamFactory

DEFAULT_TLS_PORT = 5061
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class TLSConfigError(Exception):
    """The trustpoint's files cannot be used; the message is one line naming the file."""


def trustpoint_prefix(name: str, state_dir: str | None) -> str:
    return name if os.path.isabs(name) else os.path.join(state_dir or ".", name)


def trustpoint_files(name: str, state_dir: str | None) -> tuple[str, str]:
    """(certificate chain, private key) of trustpoint ``name``."""
    prefix = trustpoint_prefix(name, state_dir)
    return prefix + ".pem", prefix + ".key"


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise TLSConfigError(f"{what} {path}: {e.strerror or e}") from None


def _certificates(path: str, what: str) -> list:
    """The file's certificates, as cryptography objects (what pyOpenSSL takes today)."""
    from cryptography import x509

    pems = _PEM_CERT.findall(_read(path, what))
    if not pems:
        raise TLSConfigError(f"{what} {path}: no PEM certificate in it")
    try:
        return [x509.load_pem_x509_certificate(pem) for pem in pems]
    except Exception as e:
        raise TLSConfigError(f"{what} {path}: not a readable certificate ({_reason(e)})") from None


def _reason(error: Exception) -> str:
    args = getattr(error, "args", ())
    if args and isinstance(args[0], list) and args[0] and isinstance(args[0][0], tuple):
        return "; ".join(str(part[-1]) for part in args[0])
    return str(error) or type(error).__name__


def server_options(trustpoint: str, state_dir: str | None, client_vtp: str | None = None):
    """A Twisted ``CertificateOptions`` for the SIP TLS listener, checked now (the key
    matches the certificate, the CA bundle loads): ``TLSConfigError`` otherwise."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from OpenSSL import crypto
    from twisted.internet import ssl

    cert_path, key_path = trustpoint_files(trustpoint, state_dir)
    chain = _certificates(cert_path, "TLS certificate")
    key_data = _read(key_path, "TLS private key")
    try:
        key = load_pem_private_key(key_data, password=None)
    except Exception as e:
        raise TLSConfigError(f"TLS private key {key_path}: not a readable PEM key without "
                             f"a passphrase ({_reason(e)})") from None
    kwargs = {}
    if client_vtp:
        ca_path = trustpoint_prefix(client_vtp, state_dir) + ".pem"
        cas = [crypto.X509.from_cryptography(c) for c in _certificates(ca_path, "TLS client CA")]
        kwargs = dict(verify=True, requireCertificate=True, caCerts=cas)  # the store takes only these
    try:
        options = ssl.CertificateOptions(privateKey=key, certificate=chain[0], extraCertChain=chain[1:],
                                         raiseMinimumTo=ssl.TLSVersion.TLSv1_2, **kwargs)
        options.getContext()  # loads and checks key against certificate now, not at the first client
    except Exception as e:
        raise TLSConfigError(f"TLS trustpoint {trustpoint}: {cert_path} and {key_path} do not go together "
                             f"({_reason(e)})") from None
    return options


def tls_service(core, options, address: str = "", port: int = DEFAULT_TLS_PORT, *, clock=None, limits=None):
    """The TLS listener, named "sip-tls": SIPStreamProtocol with transport_name "TLS",
    under the same :class:`sip.limits.StreamLimits` as TCP."""
    service = internet.SSLServer(port, SIPStreamFactory(core, "TLS", clock=clock, limits=limits), options,
                                 backlog=LISTEN_BACKLOG, interface=address)
    service.setName("sip-tls")
    return service
