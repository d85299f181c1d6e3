"""Throwaway PKI for the TLS tests: a CA, a server certificate for 127.0.0.1/localhost and
a client certificate it signed, written as a trustpoint's NAME.pem / NAME.key files."""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key, issuer: str, issuer_key, *, ca=False, server=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_pki(directory: Path) -> dict[str, Path]:
    """ca.pem (+ca.key), server.pem/server.key (the chain: server then CA), client.pem/
    client.key, other.key (a key that matches nothing); their paths by stem."""
    ca_key, server_key, client_key = _key(), _key(), _key()
    ca = _cert("cme test CA", ca_key, "cme test CA", ca_key, ca=True)
    server = _cert("localhost", server_key, "cme test CA", ca_key, server=True)
    client = _cert("ocs.example", client_key, "cme test CA", ca_key)
    files = {
        "ca.pem": _pem(ca), "ca.key": _key_pem(ca_key),
        "server.pem": _pem(server) + _pem(ca), "server.key": _key_pem(server_key),
        "client.pem": _pem(client), "client.key": _key_pem(client_key),
        "other.key": _key_pem(_key()),
    }
    paths = {}
    for name, data in files.items():
        (directory / name).write_bytes(data)
        paths[name] = directory / name
    return paths
