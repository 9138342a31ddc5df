"""Every python code block of docs/python.md and README.md runs as it is."""

import os
import re

import numpy as np
import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def blocks(doc):
    with open(os.path.join(ROOT, doc)) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


GUIDE, README = blocks("docs/python.md"), blocks("README.md")


def test_the_docs_have_examples():
    assert len(GUIDE) >= 6 and len(README) >= 1


@pytest.mark.parametrize("k", range(len(GUIDE)))
def test_guide_example(k, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(GUIDE[k], f"docs/python.md block {k}", "exec"), {"__name__": f"doc_block_{k}"})


@pytest.mark.parametrize("k", range(len(README)))
def test_readme_example(k, tmp_path, monkeypatch):
    # The README's examples read rec.bin, which its reader made with one
    # command: 30000 samples x 385 int16 channels and the sidecar saying so.
    monkeypatch.chdir(tmp_path)
    np.random.default_rng(1).integers(-500, 500, (30000, 385), dtype=np.int16).tofile("rec.bin")
    with open("rec.yaml", "w") as f:
        f.write("dtype: int16\nn_channels: 385\ndata_order: samples\n")
    exec(compile(README[k], f"README.md block {k}", "exec"), {"__name__": f"readme_block_{k}"})
