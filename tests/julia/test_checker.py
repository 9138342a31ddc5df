#!/usr/bin/env python3
"""The Julia ccall checker must pass the real binding and catch each kind of
mistake in a mutated copy of it (so a checker that checks nothing fails here).

usage: test_checker.py HEADER.h LibNeuroBatch.jl NeuroBatch.jl
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_julia_ccalls.py")

MUTATIONS = [
    ("wrong return type", "ccall(sym(:nb_reader_n_channels), Csize_t,", "ccall(sym(:nb_reader_n_channels), UInt32,",
     "'nb_reader_n_channels' returns usize in C, not UInt32"),
    ("wrong argument type", "(Ptr{Cvoid}, UInt64), cursor, batch_index)", "(Ptr{Cvoid}, UInt32), cursor, batch_index)",
     "'nb_cursor_seek' argument 2 is u64 in C, not UInt32"),
    ("wrong pointee", "(Ptr{nb_batch_options}, UInt32), opts, version)", "(Ptr{nb_open_options}, UInt32), opts, version)",
     "'nb_batch_options_init' argument 1 is nb_batch_options* in C"),
    ("missing argument", "(Ptr{Cvoid}, UInt64), cursor, batch_index)", "(Ptr{Cvoid},), cursor, batch_index)",
     "'nb_cursor_seek' takes 2 argument(s) in C; the ccall declares 1"),
    ("values and types disagree", "(Ptr{Cvoid}, UInt64), cursor, batch_index)", "(Ptr{Cvoid}, UInt64), cursor)",
     "passes 1 value(s) for 2 argument type(s)"),
    ("(T) instead of (T,)", "(nb_status,), status)", "(nb_status), status)", "write (T,) not (T)"),
    ("unknown symbol", "sym(:nb_cursor_free)", "sym(:nb_cursor_release)", "'nb_cursor_release', which the header does not declare"),
    ("uncovered function", "nb_dtype_size(dtype) = ccall(sym(:nb_dtype_size), Csize_t, (nb_dtype,), dtype)\n", "",
     "'nb_dtype_size' is declared but no Julia ccall covers it"),
    ("struct field type", "    n_rows::Csize_t\n    n_channels::Csize_t\n    channels::Ptr{Csize_t}",
     "    n_rows::UInt32\n    n_channels::Csize_t\n    channels::Ptr{Csize_t}", "struct nb_batch.n_rows is usize in C, not UInt32"),
    ("struct field order", "    idx_start::UInt64\n    idx_stop::UInt64", "    idx_stop::UInt64\n    idx_start::UInt64",
     "struct nb_batch fields"),
    ("constant value", "const NB_STATUS_IO = Int32(-3)", "const NB_STATUS_IO = Int32(-4)", "NB_STATUS_IO is Int32(-4)"),
    ("syntax error", "nb_abi_version() = ccall(sym(:nb_abi_version), UInt32, ())", "nb_abi_version() = ccall(sym(:nb_abi_version), UInt32, ()",
     "syntax error"),
]


def run(header, files):
    p = subprocess.run([sys.executable, CHECKER, header, *files], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main(header, lib, idiomatic):
    failures = 0
    code, out = run(header, [lib, idiomatic])
    if code != 0:
        print(f"FAIL the real binding does not pass:\n{out}")
        failures += 1
    else:
        print("ok   the real binding passes")
    source = open(lib, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as tmp:
        for name, old, new, expected in MUTATIONS:
            if old not in source:
                print(f"FAIL {name}: the text to mutate is no longer in {lib}")
                failures += 1
                continue
            path = os.path.join(tmp, "LibNeuroBatch.jl")
            open(path, "w", encoding="utf-8").write(source.replace(old, new, 1))
            code, out = run(header, [path, idiomatic])
            if code == 0 or expected not in out:
                print(f"FAIL {name}: expected a failure mentioning {expected!r}, got exit {code}:\n{out}")
                failures += 1
            else:
                print(f"ok   {name} is caught")
    total = len(MUTATIONS) + 1
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
