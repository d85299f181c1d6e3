"""sip.digest at the string level: RFC 7616 §3.9.1's vectors, the parser's edges, nonces."""
import random

import pytest
from twisted.internet.task import Clock

from sip import digest

# RFC 7616 §3.9.1
RFC = dict(username="Mufasa", realm="http-auth@example.org", password="Circle of Life", method="GET",
           uri="/dir/index.html", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", qop="auth",
           nc="00000001", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
RFC_MD5 = "8ca523f5e9506fed4657c9700eebdbec"
RFC_SHA256 = "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"


def rfc_authorization(algorithm, response):
    return (f'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
            f'algorithm={algorithm}, nonce="{RFC["nonce"]}", nc=00000001, '
            f'cnonce="{RFC["cnonce"]}", qop=auth, response="{response}", opaque="{OPAQUE}"')


@pytest.mark.parametrize("algorithm, expected", [("MD5", RFC_MD5), ("SHA-256", RFC_SHA256)])
def test_rfc7616_example_responses(algorithm, expected):
    assert digest.response_for(algorithm=algorithm, **RFC) == expected


@pytest.mark.parametrize("algorithm, expected", [("MD5", RFC_MD5), ("SHA-256", RFC_SHA256)])
def test_rfc7616_authorization_parses_and_verifies(algorithm, expected):
    creds = digest.parse_credentials(rfc_authorization(algorithm, expected))
    assert (creds.username, creds.realm, creds.uri, creds.algorithm) == (
        "Mufasa", "http-auth@example.org", "/dir/index.html", algorithm)
    assert creds.opaque == OPAQUE and creds.nc == "00000001" and creds.qop == "auth"
    assert digest.verify(creds, "Circle of Life", "GET")
    assert not digest.verify(creds, "Circle of life", "GET")
    assert not digest.verify(creds, "Circle of Life", "POST")


def test_rfc2069_style_without_qop_and_sess_variants_verify():
    for algorithm in ("MD5", "SHA-256", "MD5-sess", "SHA-256-sess"):
        fields = dict(RFC, qop="", nc="", cnonce="") if "sess" not in algorithm else dict(RFC)
        response = digest.response_for(algorithm=algorithm, **fields)
        extra = f', qop=auth, nc={fields["nc"]}, cnonce="{fields["cnonce"]}"' if fields["qop"] else ""
        creds = digest.parse_credentials(
            f'Digest username="Mufasa", realm="{RFC["realm"]}", nonce="{RFC["nonce"]}", uri="{RFC["uri"]}", '
            f'response="{response}", algorithm={algorithm}{extra}')
        assert digest.verify(creds, "Circle of Life", "GET"), algorithm
    assert digest.response_for(algorithm="MD5-sess", **RFC) != RFC_MD5


def test_challenges_sha256_first_then_md5():
    values = digest.challenges("cme", "n1", "op", stale=True)
    assert values == [
        'Digest realm="cme", nonce="n1", opaque="op", stale=true, algorithm=SHA-256, qop="auth"',
        'Digest realm="cme", nonce="n1", opaque="op", stale=true, algorithm=MD5, qop="auth"',
    ]
    assert "stale" not in digest.challenges("cme", "n1")[0]
    assert digest.parse_challenge(values[1]) == {"realm": "cme", "nonce": "n1", "opaque": "op", "stale": "true",
                                                 "algorithm": "MD5", "qop": "auth"}
    with pytest.raises(ValueError):
        digest.parse_challenge('Basic realm="x"')


def test_quoted_values_keep_commas_spaces_and_escapes():
    creds = digest.parse_credentials(
        'digest  username = "a\\"b, c" ,realm="r, r",nonce=n,uri="sip:x@y;transport=tcp",response=abc')
    assert creds.username == 'a"b, c' and creds.realm == "r, r" and creds.uri == "sip:x@y;transport=tcp"
    assert creds.algorithm == "MD5"  # the default


@pytest.mark.parametrize("value", [
    "", "Digest", "Basic dXNlcjpwYXNz", 'Digest username="a"',
    'Digest username="a, realm="r", nonce="n", uri="u", response="x"',  # unterminated
    'Digest username="a", realm="r", nonce="n", uri="u", response="x", username="b"',
    'Digest username="a" realm="r", nonce="n", uri="u", response="x"',  # no comma
    'Digest username="a", realm="r", nonce="n", uri="u", response="x", algorithm=SHA-1',
    'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth',  # no nc/cnonce
    'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth-int, nc=1, cnonce=c',
    'Digest =x', 'Digest username=, realm=r', 'Digest username="a\\',
])
def test_bad_credentials_are_value_errors(value):
    with pytest.raises(ValueError):
        digest.parse_credentials(value)


def test_random_garbage_only_ever_raises_value_error():
    rng = random.Random(13)
    good = rfc_authorization("SHA-256", RFC_SHA256)
    alphabet = 'Digest =,"\\ \t\r\nabcxyz\x00\xff\u00e9'
    for _ in range(3000):
        chars = list(good)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(chars))
            op = rng.randrange(3)
            if op == 0:
                del chars[i]
            elif op == 1:
                chars.insert(i, rng.choice(alphabet))
            else:
                chars[i] = rng.choice(alphabet)
        text = "".join(chars) if rng.random() < 0.8 else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        try:
            creds = digest.parse_credentials(text)
        except ValueError:
            continue
        digest.verify(creds, "Circle of Life", "GET")  # never raises either


def test_nonces_are_valid_then_stale_and_forgeries_are_bad():
    clock = Clock()
    clock.advance(1_700_000_000)
    nonces = digest.Nonces(clock, secret=b"k" * 32, lifetime=300)
    nonce = nonces.make("realm")
    assert nonces.check(nonce, "realm") == nonces.VALID
    assert nonces.check(nonce, "other") == nonces.BAD
    assert digest.Nonces(clock, secret=b"x" * 32).check(nonce, "realm") == nonces.BAD
    stamp, mac = nonce.split(".")
    assert nonces.check(f"{int(stamp, 16) + 1:x}.{mac}", "realm") == nonces.BAD
    for bad in ("", ".", "zz.", "abc", nonce + "0", "g" * 17 + "." + mac):
        assert nonces.check(bad, "realm") == nonces.BAD
    clock.advance(300)
    assert nonces.check(nonce, "realm") == nonces.VALID
    clock.advance(1)
    assert nonces.check(nonce, "realm") == nonces.STALE
