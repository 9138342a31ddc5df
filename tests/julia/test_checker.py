#!/usr/bin/env python3
"""The static check of the Julia binding must pass the real sources and catch
each kind of mistake in a mutated copy of them (so a check that checks
nothing fails here); and the generator's --check must catch a hand edit of
the generated layer.

usage: test_checker.py HEADER.h FILE... (LibNeuroBatch.jl, NeuroBatch.jl,
       runtests.jl and docs/julia.md: every file the check is run on)
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_julia_ccalls.py")
GENERATOR = os.path.join(HERE, "..", "..", "bindings", "julia", "gen", "generate.py")

LIB, IDIOMATIC, DOC = "LibNeuroBatch.jl", "NeuroBatch.jl", "julia.md"

# (what, file, [(text, replacement), ...], a line the check must print)
MUTATIONS = [
    # ---- the generated ccall layer against the header
    ("wrong return type", LIB, [("ccall(sym(:nb_reader_n_channels), Csize_t,", "ccall(sym(:nb_reader_n_channels), UInt32,")],
     "'nb_reader_n_channels' returns usize in C, not UInt32"),
    ("wrong argument type", LIB, [("(Ptr{nb_cursor}, UInt64), cursor, batch_index)", "(Ptr{nb_cursor}, UInt32), cursor, batch_index)")],
     "'nb_cursor_seek' argument 2 is u64 in C, not UInt32"),
    ("wrong pointee", LIB, [("(Ptr{nb_batch_options}, UInt32), opts, version)", "(Ptr{nb_open_options}, UInt32), opts, version)")],
     "'nb_batch_options_init' argument 1 is nb_batch_options* in C"),
    ("handle of another type", LIB, [("(Ptr{nb_cursor}, UInt64), cursor, batch_index)", "(Ptr{nb_reader}, UInt64), cursor, batch_index)")],
     "'nb_cursor_seek' argument 1 is nb_cursor* in C, not Ptr{nb_reader}"),
    ("missing argument", LIB, [("(Ptr{nb_cursor}, UInt64), cursor, batch_index)", "(Ptr{nb_cursor},), cursor, batch_index)")],
     "'nb_cursor_seek' takes 2 argument(s) in C; the ccall declares 1"),
    ("values and types disagree", LIB, [("(Ptr{nb_cursor}, UInt64), cursor, batch_index)", "(Ptr{nb_cursor}, UInt64), cursor)")],
     "passes 1 value(s) for 2 argument type(s)"),
    ("(T) instead of (T,)", LIB, [("(nb_status,), status)", "(nb_status), status)")], "write (T,) not (T)"),
    ("unknown symbol", LIB, [("sym(:nb_cursor_free)", "sym(:nb_cursor_release)")],
     "'nb_cursor_release', which the header does not declare"),
    ("uncovered function", LIB, [("    ccall(sym(:nb_dtype_size), Csize_t, (nb_dtype,), dtype)\n", "    0\n")],
     "'nb_dtype_size' is declared but no Julia ccall covers it"),
    ("struct field type", LIB, [("    n_rows::Csize_t\n    # Columns in the block.", "    n_rows::UInt32\n    # Columns in the block.")],
     "struct nb_batch.n_rows is usize in C, not UInt32"),
    ("struct field order", LIB, [("    idx_start::UInt64\n    idx_stop::UInt64", "    idx_stop::UInt64\n    idx_start::UInt64")],
     "struct nb_batch fields"),
    ("constant value", LIB, [("const NB_STATUS_IO = nb_status(-3)", "const NB_STATUS_IO = nb_status(-4)")],
     "NB_STATUS_IO is nb_status(-4)"),
    ("syntax error", LIB, [("function nb_abi_version()", "function nb_abi_version(")], "syntax error"),
    ("const char * argument not Cstring", LIB,
     [("(Cstring, Ptr{nb_open_options}, Ptr{Ptr{nb_reader}})", "(Ptr{UInt8}, Ptr{nb_open_options}, Ptr{Ptr{nb_reader}})")],
     "'nb_reader_open' argument 1 (const char *path) must be Cstring"),
    ("const char * field not Cstring", LIB, [("    stream_name::Cstring", "    stream_name::Ptr{UInt8}")],
     "struct nb_open_options.stream_name (const char *stream_name) must be Cstring"),
    # ---- the idiomatic layer: strings, callbacks, GC, uses of the ccall layer
    ("pointer of a string without a NUL check", IDIOMATIC, [("output_dir=cstring_field(dir)", "output_dir=pointer(dir)")],
     "pointer(dir) of a string without a NUL check"),
    ("callback code outside the try", IDIOMATIC,
     [("function apply_callback(batch, previous, out, data)\n    try\n        ctx = unsafe_pointer_to_objref(data)::CallbackContext\n",
       "function apply_callback(batch, previous, out, data)\n    ctx = unsafe_pointer_to_objref(data)::CallbackContext\n    try\n")],
     "@cfunction target 'apply_callback': the body must be one try"),
    ("callback return type annotation", IDIOMATIC,
     [("function progress_callback(done, total, data)\n", "function progress_callback(done, total, data)::Cint\n")],
     "@cfunction target 'progress_callback' declares a return type"),
    ("callback returning a non-constant", IDIOMATIC,
     [("return cancel === true ? CALLBACK_STOP : CALLBACK_CONTINUE", "return cancel === true ? 1 : 0")],
     "@cfunction target 'progress_callback' returns cancel === true ? 1 : 0"),
    ("callback catch without return", IDIOMATIC,
     [("        keep_error(data, e, catch_backtrace())\n        return CALLBACK_FAILED\n    end\nend\n\nfunction progress_callback",
       "        keep_error(data, e, catch_backtrace())\n    end\nend\n\nfunction progress_callback")],
     "@cfunction target 'cleanup_callback': the catch block must end with `return`"),
    ("cursor memory read without GC.@preserve", IDIOMATIC,
     [("    batch = GC.@preserve c begin\n        status = check(L.nb_cursor_next(c, out))",
       "    batch = begin\n        status = check(L.nb_cursor_next(c, out))")],
     "unsafe_load reads memory of 'c' (passed to L.nb_cursor_next above) outside GC.@preserve c"),
    ("return inside GC.@preserve", IDIOMATIC,
     [("        status == L.NB_STATUS_OK ? make(T, unsafe_load(out[])) : nothing\n",
       "        return status == L.NB_STATUS_OK ? make(T, unsafe_load(out[])) : nothing\n")],
     "return inside GC.@preserve"),
    ("variable of a GC.@preserve block used after it", IDIOMATIC,
     [("    status = GC.@preserve name paths begin\n", "    GC.@preserve name paths begin\n        status = 0\n")],
     "'status' is assigned inside GC.@preserve"),
    ("wrapper called with too few arguments", IDIOMATIC, [("check(L.nb_cursor_seek(c, 0))", "check(L.nb_cursor_seek(c))")],
     "L.nb_cursor_seek takes 2 argument(s)"),
    ("constant the header does not declare", IDIOMATIC, [("layout=L.NB_LAYOUT_CHANNEL_MAJOR", "layout=L.NB_LAYOUT_COLUMN_MAJOR")],
     "the header declares no 'NB_LAYOUT_COLUMN_MAJOR'"),
    ("struct field the header does not declare", IDIOMATIC,
     [("c_options(L.nb_batch_options; max_memory=", "c_options(L.nb_batch_options; maxmemory=")],
     "nb_batch_options has no field 'maxmemory'"),
    ("out-parameter Ref of another type", IDIOMATIC,
     [("    out = Ref{Ptr{L.nb_cursor}}(C_NULL)\n", "    out = Ref{Ptr{L.nb_reader}}(C_NULL)\n")],
     "L.nb_cursor_new argument 3 is nb_cursor** in C"),
    ("L.sym of an undeclared function", IDIOMATIC, [("L.sym(:nb_result_view_trim_buffer)", "L.sym(:nb_trim_buffer)")],
     "not a function the header declares"),
    # ---- the user guide's code blocks
    ("syntax error in a julia block of the guide", DOC, [("r[end, end]          # one value", "r[end, end          # one value")],
     "julia.md:"),
]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    header, files = argv[0], argv[1:]
    by_name = {os.path.basename(f): f for f in files}
    failures, total = 0, 0

    def result(ok, text):
        nonlocal failures, total
        total += 1
        failures += not ok
        print(("ok   " if ok else "FAIL ") + text)

    code, out = run([sys.executable, CHECKER, header, *files])
    result(code == 0, "the real sources pass" if code == 0 else f"the real sources do not pass:\n{out}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, target, edits, expected in MUTATIONS:
            if target not in by_name:
                result(False, f"{name}: {target} was not given on the command line")
                continue
            source = open(by_name[target], encoding="utf-8").read()
            missing = [old for old, _ in edits if old not in source]
            if missing:
                result(False, f"{name}: the text to mutate is no longer in {target}: {missing[0][:60]!r}")
                continue
            for old, new in edits:
                source = source.replace(old, new, 1)
            mutated = os.path.join(tmp, target)
            open(mutated, "w", encoding="utf-8").write(source)
            args = [mutated if os.path.basename(f) == target else f for f in files]
            code, out = run([sys.executable, CHECKER, header, *args])
            caught = code != 0 and any(expected in line for line in out.splitlines())
            result(caught, f"{name} is caught" if caught else
                   f"{name}: expected a failure mentioning {expected!r}, got exit {code}:\n{out}")

        # The generator's --check: current on the real file, stale after a hand edit.
        if LIB in by_name:
            code, out = run([sys.executable, GENERATOR, "--check", "--header", header, "--output", by_name[LIB]])
            result(code == 0, "the generated layer is current" if code == 0 else f"the generated layer is stale:\n{out}")
            edited = os.path.join(tmp, "edited_" + LIB)
            shutil.copy(by_name[LIB], edited)
            with open(edited, "a", encoding="utf-8") as f:
                f.write("\n# a hand edit\n")
            code, out = run([sys.executable, GENERATOR, "--check", "--header", header, "--output", edited])
            ok = code == 1 and "stale" in out and "+# a hand edit" not in out and "-# a hand edit" in out
            result(ok, "a hand edit of the generated layer is caught by generate.py --check" if ok else
                   f"generate.py --check missed a hand edit (exit {code}):\n{out}")
        else:
            result(False, f"{LIB} was not given on the command line")

    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
