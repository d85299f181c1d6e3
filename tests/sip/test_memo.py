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
