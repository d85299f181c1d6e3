"""The random pool: the OS's bytes in order, each handed out once, refilled, cleared."""
import os

from sip.entropy import BLOCK, Pool


class Source:
    def __init__(self):
        self.calls = []
        self.next = 0

    def __call__(self, n):
        self.calls.append(n)
        out = bytes((self.next + i) % 256 for i in range(n))
        self.next += n
        return out


def test_hands_out_the_source_bytes_in_order_never_twice():
    source = Source()
    pool = Pool(source)
    drawn = "".join(pool.hex(8) for _ in range(BLOCK // 8 * 2 + 3))
    assert bytes.fromhex(drawn) == bytes(i % 256 for i in range(len(drawn) // 2))
    assert source.calls == [BLOCK, BLOCK, BLOCK]  # one read per block, not per token


def test_a_token_never_straddles_what_was_read():
    source = Source()
    pool = Pool(source)
    pool.hex(BLOCK - 3)
    token = pool.hex(6)  # 3 bytes were left: a new block, none reused
    assert token == bytes((BLOCK + i) % 256 for i in range(6)).hex()


def test_clear_forgets_the_rest_and_a_large_request_is_served():
    source = Source()
    pool = Pool(source)
    pool.hex(4)
    pool.clear()
    assert len(pool.hex(2 * BLOCK)) == 4 * BLOCK
    assert source.calls == [BLOCK, 2 * BLOCK]


def test_a_forked_child_does_not_share_the_parents_bytes():
    from sip import entropy

    entropy.token_hex(4)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next token must come from a fresh read
        os.close(read)
        os.write(write, entropy.token_hex(8).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != entropy.token_hex(8)
