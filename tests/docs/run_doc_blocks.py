#!/usr/bin/env python3
"""Runs every fenced code block of README.md and docs/*.md, so a snippet that
rots fails CI.

usage: run_doc_blocks.py --source DIR --build DIR --lib-dir DIR
                         [--require-all] [--keep] [FILE.md ...]

--source is the repository, --build the CMake build under test (its
`matlab/` folder is the MATLAB package), --lib-dir the folder holding
libneurobatch.so and libneurobatch.so.0. With FILE.md arguments only those
documents run. Exit status: 0 when every block ran and passed; 1 when one
failed; 77 (ctest's "skipped") when a block could not run because a tool is
missing (octave-cli, tree-sitter) and --require-all was not given.

Each document runs in a sandbox of its own: a temporary folder, which is also
$HOME, holding `rec.bin`, a generated recording (385 channels of int16,
30000 samples, samples order) with its sidecar `rec.yaml`, and `build`, a
link to the build under test (so `build/matlab` and `build/example_*` work as
they do from the repository's root). Blocks run in document order.

By language:
  c, cpp   A block with a `main` function is a program: compiled with
           -Wall -Wextra -Werror (C++: -std=c++17) against include/ and the
           built library, and run in the sandbox; it must exit 0. A program
           whose first line is `// complete program: NAME.cpp -- run: ./NAME
           ARGS` is also written to NAME.cpp (for later blocks that build it),
           built as ./NAME and run with ARGS (text after two spaces is a
           comment). Any other
           block is a fragment: it becomes the body of a function given
           `reader` (a reader of rec.bin; C: `nb_reader *`, C++:
           `const neurobatch::Reader &`, namespace alias `nb`) that must
           return 0 (C) or not throw (C++).
  sh       run with bash -euo pipefail in the sandbox.
  matlab   run with octave-cli in the sandbox (build/matlab is the package).
  julia    given to tests/julia/check_julia_ccalls.py, the static check of
           the Julia package, with the package's sources: Julia cannot run here.
  yaml     a sidecar: written as x.yaml beside an empty x.bin, which is opened.
  text     shown output, not code: counted, not run.
  other    refused, unless marked.

Markers: an HTML comment that starts a line, right before a block (blank
lines between allowed)

  <!-- doc-test: DIRECTIVE[; DIRECTIVE...]
  hidden lines -->

(a skip takes the whole line: `<!-- doc-test: skip: REASON -->`)

with directives
  skip: REASON        the block is not run; the reason is printed. Keep rare.
  file: PATH          the block is also written to PATH in the sandbox, before
                      any block of the document runs (a cmake block must be a
                      file; a c block is still compiled and run itself).
  in the repository   (sh) run in the repository's root instead of the sandbox.
  prelude             the block (run as any other) is also placed before every
                      later block of its language in the document, as hidden
                      lines are: e.g. a CHECK macro the examples share.
and hidden lines (after the first line, up to `-->`) placed before the block:
at file scope for c and cpp, at the start of the script otherwise. They are
for what a reader need not see (a helper the fragment calls).

Blocks of some documents run elsewhere, and are only counted here:
RUN_ELSEWHERE below says where.
"""
import argparse
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time

# (document, language) -> the test that runs those blocks.
RUN_ELSEWHERE = {
    ("docs/matlab.md", "matlab"): ("bindings/matlab/tests/test_docs.m",
                                   "bindings/matlab/tests/test_docs.m runs them under Octave (ctest octave_matlab_package)"),
    ("README.md", "python"): ("bindings/python/tests/test_docs.py",
                              "bindings/python/tests/test_docs.py runs them with the installed package (bash bindings/python/run_tests.sh)"),
    ("docs/python.md", "python"): ("bindings/python/tests/test_docs.py",
                                   "bindings/python/tests/test_docs.py runs them with the installed package (bash bindings/python/run_tests.sh)"),
}
TEXT_LANGS = {"text", "console"}
N_CHANNELS, N_SAMPLES = 385, 30000
TIMEOUT = {"c": 120, "cpp": 120, "sh": 900, "matlab": 300, "yaml": 60}

C_PRELUDE = """#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <neurobatch.h>
"""
C_FRAGMENT = """{prelude}
{hidden}
static int doc_block(nb_reader *reader) {{
  (void)reader;
  {{
#line {line} "{doc}"
{code}
  }}
  return 0;
}}

int main(void) {{
  nb_reader *reader = NULL;
  if (nb_reader_open("rec.bin", NULL, &reader) != NB_STATUS_OK) {{
    fprintf(stderr, "opening rec.bin: %s\\n", nb_last_error_message());
    return 1;
  }}
  int rc = doc_block(reader);
  nb_reader_free(reader);
  if (rc != 0) fprintf(stderr, "the block returned %d\\n", rc);
  return rc != 0;
}}
"""
CPP_PRELUDE = """#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <neurobatch.hpp>
namespace nb = neurobatch;
"""
CPP_FRAGMENT = """{prelude}
{hidden}
static void doc_block(const nb::Reader &reader) {{
  (void)reader;
  {{
#line {line} "{doc}"
{code}
  }}
}}

int main() {{
  try {{
    nb::Reader reader = nb::Reader::open("rec.bin");
    doc_block(reader);
  }} catch (const std::exception &e) {{
    std::cerr << "the block threw: " << e.what() << "\\n";
    return 1;
  }}
  return 0;
}}
"""
# Opens a recording with its sidecar; used for yaml blocks.
OPEN_CHECK = C_PRELUDE + """
int main(int argc, char **argv) {
  nb_reader *r = NULL;
  if (argc != 2) return 2;
  if (nb_reader_open(argv[1], NULL, &r) != NB_STATUS_OK) {
    fprintf(stderr, "%s\\n", nb_last_error_message());
    return 1;
  }
  printf("%zu channels of %s, %s order\\n", nb_reader_n_channels(r), nb_dtype_name(nb_reader_dtype(r)),
         nb_reader_data_order(r) == NB_DATA_ORDER_SAMPLES ? "samples" : "channels");
  nb_reader_free(r);
  return 0;
}
"""

# "// complete program: first.cpp -- run: ./first rec.bin  (a comment)"
COMPLETE_PROGRAM = re.compile(r"^//\s*complete program:\s*(\S+)\s+--\s+run:\s*(.*?)(?:\s{2,}.*)?$")
MARKER = re.compile(r"<!--\s*doc-test:(.*?)-->", re.S)
FENCE = re.compile(r"^(```+|~~~+)\s*([A-Za-z0-9_+-]*)\s*$")


class Block:
    def __init__(self, doc, line, lang, code, directives, hidden):
        self.doc, self.line, self.lang, self.code = doc, line, lang, code
        self.directives, self.hidden = directives, hidden

    def where(self):
        return f"{self.doc}:{self.line}"

    def skip_reason(self):
        return self.directives.get("skip")


def parse_directives(text):
    """The directives on the marker's first line, and the hidden lines after it."""
    first, _, rest = text.partition("\n")
    directives = {}
    first = first.strip()
    if first.startswith("skip:"):   # a reason may hold ';'
        parts = [first]
    else:
        parts = [p.strip() for p in first.split(";") if p.strip()]
    for part in parts:
        key, sep, value = part.partition(":")
        key = key.strip()
        if key not in ("skip", "file", "in the repository", "prelude"):
            raise ValueError(f"unknown doc-test directive {key!r} (expected skip, file, in the repository or prelude)")
        if key in ("skip", "file") and not value.strip():
            raise ValueError(f"doc-test directive {key!r} needs a value ({key}: ...)")
        directives[key] = value.strip() if sep else True
    return directives, rest.rstrip()


def blocks_of(path, rel):
    """The fenced blocks of a Markdown file, with the marker before each."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i, last_marker_end, pending = [], 0, -1, None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].lstrip().startswith("<!--") and "doc-test:" in lines[i]:
                j = i
                while "-->" not in lines[j]:
                    j += 1
                    if j >= len(lines):
                        raise ValueError(f"{rel}:{i + 1}: doc-test marker without -->")
                text = MARKER.search("\n".join(lines[i:j + 1]))
                if not text:
                    raise ValueError(f"{rel}:{i + 1}: malformed doc-test marker")
                try:
                    pending = parse_directives(text.group(1))
                except ValueError as e:
                    raise ValueError(f"{rel}:{i + 1}: {e}")
                last_marker_end = j
                i = j + 1
                continue
            if lines[i].strip() and pending is not None and i > last_marker_end:
                raise ValueError(f"{rel}:{last_marker_end + 1}: a doc-test marker must come right before a code block")
            i += 1
            continue
        fence, lang = m.group(1), m.group(2).lower()
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        if j == len(lines):
            raise ValueError(f"{rel}:{i + 1}: code block is never closed")
        directives, hidden = pending if pending else ({}, "")
        blocks.append(Block(rel, start + 1, lang, "\n".join(lines[start:j]) + "\n", directives, hidden))
        pending = None
        i = j + 1
    if pending is not None:
        raise ValueError(f"{rel}:{last_marker_end + 1}: doc-test marker with no code block after it")
    return blocks


def write_recording(d):
    """rec.bin: 385 int16 channels, 30000 samples; value = a channel offset
    plus a slow ramp, and every 48th channel from 7 a negative "spike" every
    3000 samples. Deterministic."""
    period = 3000
    rows = bytearray()
    for s in range(period):
        vals = [(c % 17) * 3 - 24 + (s * 7 + c) % 31 - 15 - (240 if c % 48 == 7 and s < 20 else 0) for c in range(N_CHANNELS)]
        rows += struct.pack(f"<{N_CHANNELS}h", *vals)
    with open(os.path.join(d, "rec.bin"), "wb") as f:
        for _ in range(N_SAMPLES // period):
            f.write(rows)
    with open(os.path.join(d, "rec.yaml"), "w") as f:
        f.write(f"dtype: int16\nn_channels: {N_CHANNELS}\ndata_order: samples\nsampling_rate: 30000.0\n")


class Runner:
    def __init__(self, args):
        self.source = os.path.abspath(args.source)
        self.build = os.path.abspath(args.build)
        self.lib_dir = os.path.abspath(args.lib_dir)
        self.require_all = args.require_all
        self.keep = args.keep
        self.verbose = args.verbose
        self.counts = {}
        self.failures, self.missing_tools, self.skips, self.elsewhere = [], [], [], []
        self.julia_docs = []
        self.work = tempfile.mkdtemp(prefix="nb-doc-blocks-")
        self.open_check = None

    def count(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def env(self, sandbox):
        env = dict(os.environ)
        # rustup and cargo find their toolchains under the real home.
        for var, default in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo")):
            path = os.path.join(os.path.expanduser("~"), default)
            if var not in env and os.path.isdir(path):
                env[var] = path
        env["HOME"] = sandbox
        return env

    def run(self, cmd, cwd, env, timeout, what):
        t = time.monotonic()
        try:
            p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return False, f"{what}: timed out after {timeout} s\n{(e.output or b'').decode(errors='replace')}"
        out = p.stdout.decode(errors="replace")
        if p.returncode != 0:
            return False, f"{what}: exit status {p.returncode} ({time.monotonic() - t:.1f} s)\n{out}"
        return True, out

    def fail(self, block, message):
        self.failures.append(f"{block.where()} ({block.lang}): {message}")
        print(f"FAIL  {block.where()} {block.lang}\n{indent(message)}", flush=True)

    def ok(self, block, note="", output=""):
        print(f"ok    {block.where()} {block.lang}{note}", flush=True)
        if self.verbose and output.strip():
            print(indent(output), flush=True)

    # ------------------------------------------------------------ languages

    def compile_and_run(self, block, sandbox, n):
        cxx = block.lang == "cpp"
        is_program = re.search(r"\bint\s+main\s*\(", block.code) is not None
        src = os.path.join(sandbox, f"block{n}.{'cpp' if cxx else 'c'}")
        exe = os.path.join(sandbox, f"block{n}")
        run = [exe]
        named = COMPLETE_PROGRAM.match(block.code.split("\n", 1)[0])
        if named and is_program:
            name, command = named.group(1), shlex.split(named.group(2))
            exe = os.path.join(sandbox, os.path.splitext(name)[0])
            if not command or os.path.normpath(os.path.join(sandbox, command[0])) != exe:
                return self.fail(block, f"its first line says to run {named.group(2)!r}, not ./{os.path.basename(exe)}")
            run = [exe] + command[1:]
        doc = os.path.join(self.source, block.doc)
        if is_program:
            text = f"{block.hidden}\n#line {block.line} \"{doc}\"\n{block.code}"
        else:
            tmpl = CPP_FRAGMENT if cxx else C_FRAGMENT
            text = tmpl.format(prelude=CPP_PRELUDE if cxx else C_PRELUDE, hidden=block.hidden, line=block.line, doc=doc, code=block.code)
        with open(src, "w") as f:
            f.write(text)
        compiler = ["c++", "-std=c++17"] if cxx else ["cc"]
        cmd = compiler + ["-Wall", "-Wextra", "-Werror", "-I", os.path.join(self.source, "include"), src, "-o", exe,
                          "-L", self.lib_dir, "-lneurobatch", f"-Wl,-rpath,{self.lib_dir}", "-lm", "-lpthread"]
        good, out = self.run(cmd, sandbox, self.env(sandbox), TIMEOUT[block.lang], "compiling")
        if not good:
            return self.fail(block, out)
        good, out = self.run(run, sandbox, self.env(sandbox), TIMEOUT[block.lang], "running")
        if not good:
            return self.fail(block, out)
        self.count(block.lang)
        self.ok(block, " (program)" if is_program else " (fragment)", out)

    def run_sh(self, block, sandbox, n):
        script = os.path.join(sandbox, f"block{n}.sh")
        with open(script, "w") as f:
            f.write(block.hidden + "\n" + block.code)
        cwd = self.source if block.directives.get("in the repository") else sandbox
        good, out = self.run(["bash", "-euo", "pipefail", script], cwd, self.env(sandbox), TIMEOUT["sh"], "running")
        if not good:
            return self.fail(block, out)
        self.count("sh")
        self.ok(block, " (in the repository)" if cwd == self.source else "", out)

    def run_matlab(self, block, sandbox, n):
        octave = shutil.which("octave-cli")
        if not octave:
            return self.missing(block, "octave-cli is not installed")
        script = os.path.join(sandbox, f"doc_block_{n}.m")
        with open(script, "w") as f:
            f.write(block.hidden + "\n" + block.code)
        cmd = [octave, "--no-history", "--norc", "--quiet", "--no-window-system", script]
        good, out = self.run(cmd, sandbox, self.env(sandbox), TIMEOUT["matlab"], "octave-cli")
        if not good:
            return self.fail(block, out)
        self.count("matlab")
        self.ok(block, "", out)

    def run_yaml(self, block, sandbox, n):
        if self.open_check is None:
            src = os.path.join(self.work, "open_check.c")
            self.open_check = os.path.join(self.work, "open_check")
            with open(src, "w") as f:
                f.write(OPEN_CHECK)
            good, out = self.run(["cc", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(self.source, "include"), src, "-o", self.open_check,
                                  "-L", self.lib_dir, "-lneurobatch", f"-Wl,-rpath,{self.lib_dir}"], self.work, None, 60, "compiling open_check")
            if not good:
                raise RuntimeError(out)
        d = os.path.join(sandbox, f"yaml{n}")
        os.makedirs(d)
        with open(os.path.join(d, "x.yaml"), "w") as f:
            f.write(block.code)
        open(os.path.join(d, "x.bin"), "wb").close()
        good, out = self.run([self.open_check, os.path.join(d, "x.bin")], d, None, TIMEOUT["yaml"], "opening x.bin with the block as its sidecar")
        if not good:
            return self.fail(block, out)
        self.count("yaml")
        self.ok(block, " (sidecar opened)", out)

    def missing(self, block, why):
        self.missing_tools.append(f"{block.where()} ({block.lang}): not run: {why}")
        print(f"NOT RUN {block.where()} {block.lang}: {why}", flush=True)

    # ------------------------------------------------------------ documents

    def run_document(self, path):
        rel = os.path.relpath(path, self.source)
        blocks = blocks_of(path, rel)
        print(f"\n=== {rel}: {len(blocks)} code blocks", flush=True)
        sandbox = os.path.join(self.work, re.sub(r"[^A-Za-z0-9]+", "_", rel))
        os.makedirs(sandbox)
        write_recording(sandbox)
        os.symlink(self.build, os.path.join(sandbox, "build"))
        for b in blocks:
            named = COMPLETE_PROGRAM.match(b.code.split("\n", 1)[0]) if b.lang in ("c", "cpp") else None
            if named and not b.skip_reason():
                with open(os.path.join(sandbox, named.group(1)), "w") as f:
                    f.write(b.code)
            if "file" in b.directives and not b.skip_reason():
                target = os.path.join(sandbox, b.directives["file"])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w") as f:
                    f.write(b.code)
        preludes = {}
        for n, b in enumerate(blocks):
            if b.lang in preludes:
                b.hidden = preludes[b.lang] + "\n" + b.hidden
            if b.directives.get("prelude"):
                preludes[b.lang] = preludes.get(b.lang, "") + b.code
            reason = b.skip_reason()
            if reason:
                self.skips.append(f"{b.where()} ({b.lang}): {reason}")
                print(f"skip  {b.where()} {b.lang}: {reason}", flush=True)
                continue
            elsewhere = RUN_ELSEWHERE.get((rel, b.lang))
            if elsewhere:
                runner_file, why = elsewhere
                if os.path.basename(rel) not in open(os.path.join(self.source, runner_file)).read():
                    self.fail(b, f"{runner_file} was said to run this document's blocks but does not name it")
                    continue
                self.elsewhere.append(f"{b.where()} ({b.lang}): {why}")
                self.count(f"{b.lang} (run elsewhere)")
                continue
            if b.lang in ("c", "cpp"):
                self.compile_and_run(b, sandbox, n)
            elif b.lang in ("sh", "bash"):
                self.run_sh(b, sandbox, n)
            elif b.lang == "matlab":
                self.run_matlab(b, sandbox, n)
            elif b.lang == "yaml":
                self.run_yaml(b, sandbox, n)
            elif b.lang == "julia":
                if rel not in self.julia_docs:
                    self.julia_docs.append(rel)
                self.count("julia (static check)")
            elif b.lang in TEXT_LANGS:
                self.count("text (not code)")
            elif "file" in b.directives:
                self.count(f"{b.lang} (file for another block)")
                self.ok(b, f" (written to {b.directives['file']})")
            else:
                self.fail(b, f"no way to run a {b.lang or 'language-less'} block: give it a language this runner knows, "
                             "or mark it <!-- doc-test: file: PATH --> or <!-- doc-test: skip: REASON -->")

    def check_julia(self):
        if not self.julia_docs:
            return
        checker = os.path.join(self.source, "tests", "julia", "check_julia_ccalls.py")
        probe = subprocess.run([sys.executable, "-c", "import tree_sitter, tree_sitter_julia"], capture_output=True)
        print(f"\n=== julia blocks of {', '.join(self.julia_docs)}: static check", flush=True)
        if probe.returncode != 0:
            for d in self.julia_docs:
                self.missing_tools.append(f"{d} (julia): not checked: tree-sitter and tree-sitter-julia are not installed (pip)")
            print("NOT RUN julia: tree-sitter-julia is not installed", flush=True)
            return
        pkg = os.path.join(self.source, "bindings", "julia", "NeuroBatch")
        sources = [os.path.join(pkg, "src", "LibNeuroBatch.jl"), os.path.join(pkg, "src", "NeuroBatch.jl")]
        docs = [os.path.join(self.source, d) for d in self.julia_docs]
        good, out = self.run([sys.executable, checker, os.path.join(self.source, "include", "neurobatch.h")] + sources + docs,
                             self.source, None, 300, "check_julia_ccalls.py")
        print(indent(out.strip()), flush=True)
        if not good:
            self.failures.append(f"julia blocks of {', '.join(self.julia_docs)}: {out}")


def indent(text):
    return "\n".join("      " + line for line in text.rstrip().split("\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--lib-dir", required=True)
    ap.add_argument("--require-all", action="store_true", help="a missing tool is a failure, not a skip")
    ap.add_argument("--keep", action="store_true", help="keep the sandboxes (printed)")
    ap.add_argument("--verbose", action="store_true", help="print what every block printed")
    ap.add_argument("documents", nargs="*")
    args = ap.parse_args()
    r = Runner(args)
    t0 = time.monotonic()
    docs = args.documents or [os.path.join(r.source, "README.md")] + sorted(
        os.path.join(r.source, "docs", f) for f in os.listdir(os.path.join(r.source, "docs")) if f.endswith(".md"))
    try:
        for d in docs:
            r.run_document(os.path.abspath(d))
        r.check_julia()
    except (ValueError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"sandboxes kept in {r.work}")
        else:
            shutil.rmtree(r.work, ignore_errors=True)
    print(f"\n=== summary ({time.monotonic() - t0:.0f} s)")
    for kind, n in sorted(r.counts.items()):
        print(f"  {n:3d} {kind}")
    for title, items in (("run elsewhere", r.elsewhere), ("skipped (marked)", r.skips), ("not run (tool missing)", r.missing_tools), ("FAILED", r.failures)):
        if items:
            print(f"  {title}: {len(items)}")
            for it in items:
                print(f"    {it.splitlines()[0]}")
    if r.failures:
        return 1
    if r.missing_tools:
        return 1 if args.require_all else 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
