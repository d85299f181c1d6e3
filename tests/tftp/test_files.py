"""What may be served: name normalisation and the providers, on a real directory."""
import os

import pytest

from tftp.files import Chain, DirectoryFiles, MemoryFiles, normalise


@pytest.mark.parametrize("name, result", [
    ("SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml"),
    ("/SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml"),
    ("its/P0030801SR02.loads", "its/P0030801SR02.loads"),
    ("//etc/passwd", None), ("../etc/passwd", None), ("a/../../b", None), ("..", None),
    ("./a", None), ("a//b", None), ("a/", None), ("", None), ("/", None),
    ("a\\..\\b", None), ("C:\\boot.ini", None), ("c:boot", None), ("a\0b", None),
    ("a\nb", None),
])
def test_normalise_strips_one_slash_and_refuses_what_could_leave_the_root(name, result):
    assert normalise(name) == result


@pytest.fixture
def root(tmp_path):
    d = tmp_path / "tftp"
    d.mkdir()
    (d / "SEPabcdef012345.cnf.xml").write_bytes(b"<device/>")
    (d / "its").mkdir()
    (d / "its" / "P0030801SR02.loads").write_bytes(b"firmware")
    (tmp_path / "secret").write_bytes(b"secret")
    return d


def test_files_directly_under_root_ignoring_case(root):
    files = DirectoryFiles(root)
    assert files.lookup("SEPabcdef012345.cnf.xml") == b"<device/>"
    assert files.lookup("SEPABCDEF012345.CNF.XML") == b"<device/>"
    assert files.lookup("/sepabcdef012345.cnf.xml") == b"<device/>"
    assert files.lookup("nothing.cnf.xml") is None


def test_an_exact_match_wins_over_another_case(root):
    (root / "sepabcdef012345.cnf.xml").write_bytes(b"lower")
    files = DirectoryFiles(root)
    assert files.lookup("sepabcdef012345.cnf.xml") == b"lower"
    assert files.lookup("SEPabcdef012345.cnf.xml") == b"<device/>"


def test_subdirectories_only_through_an_alias(root):
    assert DirectoryFiles(root).lookup("its/P0030801SR02.loads") is None
    assert DirectoryFiles(root).lookup("its") is None  # a directory is not a file
    files = DirectoryFiles(root, {"P0030801SR02.loads": "its/P0030801SR02.loads"})
    assert files.lookup("p0030801sr02.LOADS") == b"firmware"


@pytest.mark.parametrize("name", ["../secret", "/../secret", "its/../../secret", "//secret",
                                  str(os.sep) + "etc" + os.sep + "passwd"])
def test_traversal_and_absolute_names_are_refused(root, name):
    assert DirectoryFiles(root).lookup(name) is None


def test_an_alias_out_of_root_is_refused_relative_or_absolute(root):
    files = DirectoryFiles(root, {"a": "../secret", "b": str(root.parent / "secret")})
    assert files.lookup("a") is None and files.lookup("b") is None


def test_a_symlink_out_of_root_is_refused_one_inside_is_served(root):
    os.symlink(root.parent / "secret", root / "out.cfg")
    os.symlink(root / "its" / "P0030801SR02.loads", root / "in.loads")
    files = DirectoryFiles(root)
    assert files.lookup("out.cfg") is None
    assert files.lookup("in.loads") == b"firmware"


def test_a_symlinked_root_is_resolved_once_and_still_serves(root, tmp_path):
    os.symlink(root, tmp_path / "link")
    assert DirectoryFiles(tmp_path / "link").lookup("SEPabcdef012345.cnf.xml") == b"<device/>"


def test_a_file_over_the_size_cap_is_refused(root):
    (root / "big.bin").write_bytes(b"x" * 1001)
    (root / "ok.bin").write_bytes(b"x" * 1000)
    files = DirectoryFiles(root, max_size=1000)
    assert files.lookup("big.bin") is None
    assert files.lookup("ok.bin") == b"x" * 1000


def test_a_fifo_is_not_a_regular_file(root):
    os.mkfifo(root / "pipe")
    assert DirectoryFiles(root).lookup("pipe") is None  # and it does not block


def test_the_root_must_be_a_directory(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        DirectoryFiles(tmp_path / "missing")


def test_memory_files_ignore_case_and_change():
    files = MemoryFiles({"XMLDefault.cnf.xml": b"<default/>"})
    assert files.lookup("xmldefault.cnf.xml") == b"<default/>"
    files.put("SEP001122334455.cnf.xml", b"1")
    assert files.lookup("/SEP001122334455.CNF.XML") == b"1"
    files.remove("SEP001122334455.cnf.xml")
    assert files.lookup("SEP001122334455.cnf.xml") is None
    assert files.lookup("../XMLDefault.cnf.xml") is None
    with pytest.raises(ValueError):
        files.put("../x", b"")


def test_chain_asks_each_provider_in_turn(root):
    chain = Chain(MemoryFiles({"SEPabcdef012345.cnf.xml": b"generated"}), DirectoryFiles(root))
    assert chain.lookup("SEPabcdef012345.cnf.xml") == b"generated"
    (root / "only-on-disk").write_bytes(b"disk")
    assert chain.lookup("only-on-disk") == b"disk"
    assert chain.lookup("neither") is None
