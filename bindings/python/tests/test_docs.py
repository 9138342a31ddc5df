"""Every python code block of docs/python.md runs as it is."""

import os
import re

import pytest

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "python.md")


def blocks():
    with open(DOC) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


def test_the_guide_has_examples():
    assert len(blocks()) >= 6


@pytest.mark.parametrize("k", range(len(blocks())))
def test_guide_example(k, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks()[k], f"docs/python.md block {k}", "exec"), {"__name__": f"doc_block_{k}"})
