"""sip.memo.Memo: the one bound every reader's memo keeps."""
from sip.memo import Memo


def test_a_full_memo_starts_over_and_keeps_the_newest():
    memo = Memo(3)
    for n in range(3):
        assert memo.keep(f"text {n}", n) == n
    assert len(memo) == 3
    assert memo.keep("text 3", 3) == 3
    assert dict(memo) == {"text 3": 3}


def test_a_text_beyond_the_longest_is_given_back_and_never_kept():
    memo = Memo(10, longest=4)
    assert memo.keep("long", "value", length=4) == "value" and "long" in memo
    assert memo.keep("longer", "other", length=5) == "other" and "longer" not in memo
    assert len(memo) == 1


def test_recent_memo_keeps_a_repeated_text_through_a_flood_of_new_ones():
    from sip.memo import RecentMemo

    memo, plain = RecentMemo(8), Memo(8)
    for m in (memo, plain):
        m.keep("make call 201 to 202", "parsed")
    for n in range(1000):  # each new text (a ClearConnection names its call), the repeated one in between
        for m in (memo, plain):
            m.keep(f"clear {n}", n)
            if n % 3 == 0 and m.get("make call 201 to 202") is None:
                m.keep("make call 201 to 202", "parsed again")
        assert len(memo) <= 8 and len(plain) <= 8
    assert memo.get("make call 201 to 202") == "parsed"  # never lost: read again within 4 new texts
    assert plain.get("make call 201 to 202") == "parsed again"  # a Memo started over and lost it


def test_recent_memo_drops_what_is_not_read_again_and_keeps_its_bounds():
    from sip.memo import RecentMemo

    memo = RecentMemo(4, longest=10)
    memo.keep("a", 1)
    for text in ("b", "c", "d", "e", "f"):
        memo.keep(text, text)
    assert "a" not in memo and memo.get("a") is None and memo.get("a", "missing") == "missing"
    assert memo.get("f") == "f" and len(memo) <= 4
    assert memo.keep("x" * 11, "long", length=11) == "long" and "x" * 11 not in memo
    memo.clear()
    assert len(memo) == 0
