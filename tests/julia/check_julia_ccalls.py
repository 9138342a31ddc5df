#!/usr/bin/env python3
"""Static check of the Julia binding against include/neurobatch.h, for
machines without Julia.

usage: check_julia_ccalls.py HEADER.h FILE.jl|FILE.md [...]

Parses the Julia files (and the ```julia blocks of Markdown files) with
tree-sitter-julia and reports, with file:line:col, exiting 1 on any:

Against the header
  * syntax error (ERROR or MISSING node), in .jl files and .md code blocks;
  * ccall to an nb_ symbol the header does not declare (other symbols, e.g.
    libc's, are counted, not checked); ccall whose return type,
    argument count or any argument type does not match the C prototype
    (integer widths, pointers and their pointees, structs and opaque types
    by name, function pointers); values and types of different counts;
    argument types written (T) instead of (T,); header function no ccall covers;
  * a `const char *` argument or struct field not declared `Cstring` (Julia
    refuses a string containing NUL only when converting to Cstring;
    Ptr{UInt8} passes it, and C reads a shorter string);
  * Julia struct named like a header struct whose fields differ in name,
    order or type; NB_ constant whose value differs from the header's
    #define, or an integer #define the Julia files do not define;
  * a use of the ccall layer (`L.name` where `const L = LibNeuroBatch`) that
    names nothing the header declares, a call of a wrapper with another
    number of arguments than the C function takes, a struct built with
    another number of values than it has fields, `L.sym(:name)` of an
    undeclared function.
What a Julia run would otherwise find late
  * `pointer(x)` of a string without a NUL check of `x` before it in the
    same function (`Base.containsnul(x)`, or `x` returned by a function that
    calls containsnul);
  * a `@cfunction` target whose body is not one `try ... catch ... end`
    (anything outside it, a `finally`, or a return type annotation, runs
    outside the try: an exception there unwinds through the library), or
    whose try and catch do not each end with `return` of a Cint constant;
  * a read of library-owned memory (unsafe_load, unsafe_wrap, unsafe_string)
    after a library call given a Julia handle object `h`, unless the call and
    the read are inside one `GC.@preserve h` (else the GC may finalize `h`,
    freeing the memory, while it is read). Callback bodies are exempt: the
    library lends their memory for the call.

Accepted ccall targets: (:sym, lib), ("sym", lib), :sym, and f(:sym) (a
function returning the symbol's address, e.g. dlsym).
Needs: pip install tree-sitter tree-sitter-julia
"""
import os
import re
import sys

import tree_sitter_julia
from tree_sitter import Language, Parser

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "julia", "gen"))
import c_header  # noqa: E402  (the header reader the generator uses)

PRIMS_C = {
    "int32_t": "i32", "int": "i32", "uint32_t": "u32", "unsigned": "u32", "uint64_t": "u64", "int64_t": "i64",
    "size_t": "usize", "bool": "bool", "void": "void", "char": "char", "uint8_t": "u8", "int8_t": "i8",
    "int16_t": "i16", "uint16_t": "u16", "double": "f64", "float": "f32",
}
PRIMS_JL = {
    "Int32": "i32", "Cint": "i32", "UInt32": "u32", "Cuint": "u32", "UInt64": "u64", "Culonglong": "u64",
    "Int64": "i64", "Clonglong": "i64", "Csize_t": "usize", "UInt": "usize", "Bool": "bool", "Cvoid": "void",
    "Nothing": "void", "Cchar": "char", "UInt8": "u8", "Int8": "i8", "Int16": "i16", "UInt16": "u16",
    "Cdouble": "f64", "Float64": "f64", "Cfloat": "f32", "Float32": "f32",
}
STRING_MAKERS = {"String", "string", "repr", "joinpath", "abspath", "normpath", "basename", "dirname", "lowercase",
                 "uppercase", "strip", "replace", "join"}
STRING_TYPES = re.compile(r"^(?:Abstract)?String$|^Union\{.*String.*\}$|^SubString")
STRING_VECTOR_TYPES = re.compile(r"(?:Abstract)?(?:Vector|Array|AbstractVector)\{(?:<:)?(?:Abstract)?String")
UNSAFE_READS = {"unsafe_load", "unsafe_wrap", "unsafe_string"}


# ---------------------------------------------------------------- header

def parse_header(path):
    h = c_header.parse(path)
    return h.typedefs, h.structs, h.protos, h.defines


def c_canon(t, typedefs, structs, depth=0):
    """A C type as ('prim', name) | ('struct', name) | ('opaque', name) | ('fnptr',) | ('ptr', inner)."""
    base, stars = t
    while base in typedefs and depth < 20:
        tb, ts = typedefs[base]
        base, stars, depth = tb, stars + ts, depth + 1
    if base == "<fnptr>":
        inner = ("fnptr",)
    elif base.startswith("<opaque:"):
        inner = ("struct", base[8:-1]) if base[8:-1] in structs else ("opaque", base[8:-1])
    elif base in PRIMS_C:
        inner = ("prim", PRIMS_C[base])
    elif base in structs:
        inner = ("struct", base)
    else:
        inner = ("opaque", base)
    for _ in range(stars):
        inner = ("ptr", inner)
    return inner


# ---------------------------------------------------------------- julia types

def jl_resolve(text, aliases, depth=0):
    """The Julia type text with module prefixes dropped and aliases expanded."""
    text = re.sub(r"\b(?:\w+\.)+(?=\w)", "", text.strip())       # L.nb_batch -> nb_batch
    if depth > 20:
        return text
    m = re.match(r"^(Ptr|Ref)\{(.*)\}$", text)
    if m:
        return f"{m.group(1)}{{{jl_resolve(m.group(2), aliases, depth + 1)}}}"
    if text in aliases:
        return jl_resolve(aliases[text], aliases, depth + 1)
    return text


def jl_canon(text, aliases, depth=0):
    text = jl_resolve(text, aliases)
    m = re.match(r"^(Ptr|Ref)\{(.*)\}$", text)
    if m:
        return ("ptr", jl_canon(m.group(2), aliases, depth + 1))
    if text in ("Ptr", "Any"):
        return ("ptr", ("prim", "void"))
    if text == "Cstring":
        return ("ptr", ("prim", "char"))
    if text in PRIMS_JL:
        return ("prim", PRIMS_JL[text])
    return ("struct", text)


def compatible(c, j):
    if c[0] == "ptr":
        if j[0] != "ptr":
            return False
        ci, ji = c[1], j[1]
        if ci == ("prim", "void"):
            return True                                  # void* takes any pointer
        if ci[0] == "opaque":
            return ji == ("struct", ci[1])               # opaque handles by name: Ptr{nb_reader}
        if ci[0] == "fnptr":
            return False
        if ci == ("prim", "char"):
            return ji in (("prim", "char"), ("prim", "u8"), ("prim", "i8"))
        return compatible(ci, ji)
    if c[0] == "fnptr":
        return j == ("ptr", ("prim", "void"))
    if c[0] == "struct":
        return j == ("struct", c[1])
    return c == j


def needs_cstring(ct):
    """A `const char *` (or array of them) the library reads as a C string."""
    return ct.base == "char" and ct.const_base and ct.stars >= 1


def show(t):
    if t[0] == "ptr":
        return show(t[1]) + "*"
    return t[1] if len(t) > 1 else t[0]


# ---------------------------------------------------------------- tree helpers

def named(node):
    return [c for c in node.named_children if c.type not in ("comment", "line_comment", "block_comment")]


def walk(node, skip=()):
    yield node
    for c in node.children:
        if c.type not in skip:
            yield from walk(c, skip)


def int_value(text):
    text = text.strip()
    m = re.match(r"^\w+\((-?\d+)\)$", text)
    if m:
        return int(m.group(1))
    if re.match(r"^-?\d+$", text):
        return int(text)
    if text in ("typemax(UInt64)", "UINT64_MAX"):
        return 2 ** 64 - 1
    return None


FUNCTION_NODES = ("function_definition", "arrow_function_expression", "do_clause")


def function_name(node, text):
    """Name of a function_definition or short-form `f(x) = ...`, else None."""
    if node.type == "function_definition":
        sig = next((c for c in node.children if c.type == "signature"), None)
        head = sig.named_children[0] if sig is not None and sig.named_children else None
    elif node.type == "assignment" and node.children and node.children[0].type in ("call_expression", "typed_expression", "where_expression"):
        head = node.children[0]
    else:
        return None
    while head is not None and head.type in ("typed_expression", "where_expression"):
        head = head.named_children[0] if head.named_children else None
    if head is None or head.type != "call_expression":
        return None
    return text(head.children[0]).split(".")[-1]


def signature_node(node):
    if node.type == "function_definition":
        return next((c for c in node.children if c.type == "signature"), None)
    return node.children[0]


def enclosing_function(node):
    p = node.parent
    while p is not None:
        if p.type in FUNCTION_NODES or (p.type == "assignment" and p.children and p.children[0].type in ("call_expression", "typed_expression")):
            return p
        p = p.parent
    return None


def is_preserve(node, text):
    return node.type == "macrocall_expression" and text(node).startswith("GC.@preserve")


def preserved_names(node, text):
    args = next((c for c in node.children if c.type == "macro_argument_list"), None)
    if args is None:
        return set(), None
    items = named(args)
    return {text(a) for a in items[:-1] if a.type == "identifier"}, items[-1] if items else None


def inside(node, ancestor):
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


# ---------------------------------------------------------------- sources

class Source:
    def __init__(self, path, src, tree, line_offset=0, is_markdown=False):
        self.path, self.src, self.tree = path, src, tree
        self.line_offset, self.is_markdown = line_offset, is_markdown

    def text(self, n):
        return self.src[n.start_byte:n.end_byte].decode()


def load_sources(parser, files):
    sources = []
    for path in files:
        data = open(path, "rb").read()
        if path.endswith(".md"):
            lines = data.decode().split("\n")
            i = 0
            while i < len(lines):
                if lines[i].strip() == "```julia":
                    j = i + 1
                    while j < len(lines) and lines[j].strip() != "```":
                        j += 1
                    block = "\n".join(lines[i + 1:j]).encode()
                    sources.append(Source(path, block, parser.parse(block), i + 1, True))
                    i = j
                i += 1
        else:
            sources.append(Source(path, data, parser.parse(data)))
    return sources


# ---------------------------------------------------------------- main

def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    header, files = argv[0], argv[1:]
    h = c_header.parse(header)
    typedefs, structs, protos, defines = h.typedefs, h.structs, h.protos, h.defines
    opaque = {d.name for d in h.decls if getattr(d, "kind", "") == "opaque"}
    parser = Parser(Language(tree_sitter_julia.language()))
    problems, checked, external, used = 0, 0, 0, set()
    jl_consts, jl_structs = {}, {}
    sources = load_sources(parser, files)

    def report(source, node, msg):
        nonlocal problems
        problems += 1
        line, col = node.start_point if node is not None else (0, 0)
        path = source.path if hasattr(source, "path") else source
        off = source.line_offset if hasattr(source, "line_offset") else 0
        print(f"{path}:{line + 1 + off}:{col + 1}: {msg}")

    # Pass 1: syntax, constants, structs, functions.
    functions = {}            # name -> [(source, node)]
    string_fields = set()     # struct field names declared String
    for s in sources:
        for n in walk(s.tree.root_node):
            if n.is_missing:
                report(s, n, f"syntax error: missing '{n.type}'")
            elif n.type == "ERROR":
                report(s, n, "syntax error near: " + repr(s.text(n).split("\n")[0][:60]))
            if s.is_markdown:
                continue
            if n.type == "const_statement":
                m = re.match(r"const\s+(\w+)\s*=\s*(.+)$", " ".join(s.text(n).split()))
                if m:
                    jl_consts[m.group(1)] = (m.group(2), s, n)
            elif n.type == "struct_definition":
                body = s.text(n)
                m = re.match(r"(?:mutable\s+)?struct\s+(\w+)", body)
                if m:
                    fields = re.findall(r"^\s*(\w+)::(\S+)\s*$", body, flags=re.M)
                    jl_structs[m.group(1)] = (fields, s, n)
                    for fname, ftype in re.findall(r"(\w+)::([\w{}<:]+)", body):
                        if STRING_TYPES.match(ftype):
                            string_fields.add(fname)
            name = function_name(n, s.text)
            if name:
                functions.setdefault(name, []).append((s, n))
    aliases = {k: v[0] for k, v in jl_consts.items() if not re.match(r"^-?\d|^\w+\(|^typemax|^\"", v[0])}
    lib_aliases = {"LibNeuroBatch"} | {k for k, v in jl_consts.items() if re.match(r"^(?:\w+\.)*LibNeuroBatch$", v[0])}
    cint_consts = {k for k, v in jl_consts.items() if re.match(r"^(?:Cint|Int32)\(-?\d+\)$", v[0])}
    nul_checkers = {name for name, defs in functions.items()
                    if any("containsnul(" in s.text(n) for s, n in defs)}

    # Pass 2: ccalls against the prototypes.
    for s in sources:
        for n in walk(s.tree.root_node):
            if n.type != "call_expression" or s.text(n.children[0]).split(".")[-1] != "ccall":
                continue
            args = named(n.children[1]) if len(n.children) > 1 else []
            if len(args) < 3:
                report(s, n, "ccall needs (target, return type, argument types, values...)")
                continue
            target, ret, types = args[0], args[1], args[2]
            sym = None
            if target.type == "tuple_expression" and named(target):
                target = named(target)[0]
            if target.type in ("quote_expression", "string_literal"):
                sym = s.text(target).lstrip(":").strip('"')
            elif target.type == "call_expression" and len(target.children) > 1:
                inner = named(target.children[1])
                if inner and inner[0].type == "quote_expression":
                    sym = s.text(inner[0]).lstrip(":")
            if sym is None:
                report(s, n, "ccall target is not a literal symbol; cannot check it")
                continue
            if not sym.startswith("nb_"):
                external += 1          # libc and the like (the tests send themselves SIGINT)
                continue
            checked += 1
            used.add(sym)
            if sym not in protos:
                report(s, n, f"ccall to '{sym}', which the header does not declare")
                continue
            c_ret, c_params = protos[sym]
            if not compatible(c_canon(c_ret, typedefs, structs), jl_canon(s.text(ret), aliases)):
                report(s, ret, f"'{sym}' returns {show(c_canon(c_ret, typedefs, structs))} in C, not {s.text(ret)}")
            if types.type == "parenthesized_expression":
                report(s, types, "argument types must be a tuple: write (T,) not (T)")
                continue
            if types.type != "tuple_expression":
                report(s, types, "argument types must be a literal tuple")
                continue
            jtypes = named(types)
            if len(jtypes) != len(c_params):
                report(s, types, f"'{sym}' takes {len(c_params)} argument(s) in C; the ccall declares {len(jtypes)}")
                continue
            for k, (cp, jt) in enumerate(zip(h.params[sym], jtypes)):
                cc, jc = c_canon(cp.ctype.key(), typedefs, structs), jl_canon(s.text(jt), aliases)
                if not compatible(cc, jc):
                    report(s, jt, f"'{sym}' argument {k + 1} is {show(cc)} in C, not {s.text(jt)}")
                elif needs_cstring(cp.ctype) and "Cstring" not in jl_resolve(s.text(jt), aliases):
                    report(s, jt, f"'{sym}' argument {k + 1} ({cp.text}) must be Cstring, not {s.text(jt)}: "
                                  "only a Cstring conversion refuses strings containing NUL")
            if len(args) - 3 != len(jtypes):
                report(s, n, f"ccall to '{sym}' passes {len(args) - 3} value(s) for {len(jtypes)} argument type(s)")

    for name in sorted(set(protos) - used):
        problems += 1
        print(f"{header}: '{name}' is declared but no Julia ccall covers it")

    for name, fields in sorted(structs.items()):
        if name not in jl_structs:
            problems += 1
            print(f"{header}: struct '{name}' has no Julia mirror")
            continue
        jfields, s, node = jl_structs[name]
        if [f for f, _ in jfields] != [f for f, _ in fields]:
            report(s, node, f"struct {name} fields {[f for f, _ in jfields]} differ from the header's {[f for f, _ in fields]}")
            continue
        for cf, (_, jt) in zip(h.fields[name], jfields):
            cc, jc = c_canon(cf.ctype.key(), typedefs, structs), jl_canon(jt, aliases)
            if not compatible(cc, jc):
                report(s, node, f"struct {name}.{cf.name} is {show(cc)} in C, not {jt}")
            elif needs_cstring(cf.ctype) and "Cstring" not in jl_resolve(jt, aliases):
                report(s, node, f"struct {name}.{cf.name} ({cf.text}) must be Cstring, not {jt}: "
                                "only a Cstring conversion refuses strings containing NUL")

    for name, value in sorted(defines.items()):
        want = int_value(value)
        if want is None or name.startswith("NB_VERSION_") or "(" in name:
            continue
        if name not in jl_consts:
            problems += 1
            print(f"{header}: #define {name} {value} has no Julia constant")
            continue
        got = int_value(jl_consts[name][0])
        if got != want:
            report(jl_consts[name][1], jl_consts[name][2], f"{name} is {jl_consts[name][0]} in Julia but {value} in the header")

    # Pass 3: uses of the ccall layer from the idiomatic layer, tests and docs.
    known = set(protos) | set(structs) | set(typedefs) | set(defines) | opaque | {"sym", "LIBRARY", "HANDLE"}
    for s in sources:
        for n in walk(s.tree.root_node):
            if n.type != "field_expression" or len(n.named_children) != 2:
                continue
            mod, member = n.named_children
            if s.text(mod) not in lib_aliases or member.type != "identifier":
                continue
            name = s.text(member)
            if name not in known:
                report(s, n, f"{s.text(n)}: the header declares no '{name}'")
                continue
            call = n.parent
            if call is None or call.type != "call_expression" or call.children[0] != n:
                continue
            arglist = next((c for c in call.children if c.type == "argument_list"), None)
            if arglist is None:
                continue
            values = [a for a in named(arglist) if a.type != "named_argument"]
            if any(a.type == "splat_expression" for a in values) or any(c.type == ";" for c in arglist.children):
                continue
            if name == "sym":
                q = values[0] if values else None
                target = s.text(q).lstrip(":") if q is not None and q.type == "quote_expression" else None
                if target not in protos:
                    report(s, call, f"{s.text(call)}: not a function the header declares")
            elif name in protos and len(values) != len(protos[name][1]):
                report(s, call, f"{s.text(n)} takes {len(protos[name][1])} argument(s) (C: {name}); given {len(values)}")
            elif name in protos:
                fn = enclosing_function(call)
                for k, (arg, param) in enumerate(zip(values, h.params[name])):
                    ref = ref_type(s, arg, fn)
                    if ref is None:
                        continue
                    cc, jc = c_canon(param.ctype.key(), typedefs, structs), jl_canon(f"Ptr{{{ref}}}", aliases)
                    if not compatible(cc, jc):
                        report(s, arg, f"{s.text(n)} argument {k + 1} is {show(cc)} in C ({param.text}); "
                                       f"a Ref{{{ref}}} gives {show(jc)}")
            elif name in structs and len(values) != len(structs[name]):
                report(s, call, f"{s.text(n)} has {len(structs[name])} field(s) {[f for f, _ in structs[name]]}; "
                                f"built with {len(values)} value(s)")

    # Struct builders: c_options(L.nb_x; field=...) and with_fields(L.nb_x, s; field=...)
    # name only fields of that struct; no `return` inside GC.@preserve (it
    # would leave the block before the object is released from it).
    for s in sources:
        for n in walk(s.tree.root_node):
            if n.type == "call_expression" and s.text(n.children[0]) in ("c_options", "with_fields"):
                arglist = next((c for c in n.children if c.type == "argument_list"), None)
                items = named(arglist) if arglist is not None else []
                first = items[0] if items else None
                if first is None or first.type != "field_expression" or len(first.named_children) != 2 or \
                        s.text(first.named_children[0]) not in lib_aliases:
                    continue
                struct = s.text(first.named_children[1])
                if struct not in structs:
                    continue
                fields = [f for f, _ in structs[struct]]
                for a in walk(arglist):
                    if a.type == "named_argument" and a.named_children:
                        key = s.text(a.named_children[0])
                        if key not in fields:
                            report(s, a, f"{struct} has no field '{key}'; its fields: {', '.join(fields)}")
            elif is_preserve(n, s.text):
                assigned = set()
                for t in walk(n, skip=FUNCTION_NODES):
                    if t.type == "return_statement":
                        report(s, t, "return inside GC.@preserve: compute the value in the block and return after it")
                    elif t.type == "assignment" and t.children and t.children[0].type == "identifier":
                        assigned.add(s.text(t.children[0]))
                # Names first assigned inside the block are not defined after it:
                # take the block's value instead (x = GC.@preserve a begin ... end).
                fn = enclosing_function(n)
                if fn is not None and assigned:
                    before = {s.text(t.children[0]) for t in walk(fn) if t.type == "assignment" and t.children
                              and t.children[0].type == "identifier" and t.end_byte <= n.start_byte}
                    sig = signature_node(fn) if fn.type in ("function_definition", "assignment") else None
                    params = {s.text(t) for t in walk(sig) if t.type == "identifier"} if sig is not None else set()
                    for t in walk(fn):
                        if t.start_byte > n.end_byte and t.type == "identifier" and s.text(t) in assigned - before - params \
                                and not (t.parent is not None and t.parent.type == "assignment" and t.parent.children[0] == t) \
                                and not (t.parent is not None and t.parent.type == "field_expression" and t.parent.children[0] != t):
                            report(s, t, f"'{s.text(t)}' is assigned inside GC.@preserve (a scope of its own) and used "
                                         "after it: take the block's value instead")
                            break

    # Pass 4: pointer() of strings, @cfunction bodies, reads of library-owned memory.
    cfunction_targets = {}
    for s in sources:
        for n in walk(s.tree.root_node):
            if n.type == "macrocall_expression" and s.text(n).startswith("@cfunction"):
                args = next((c for c in n.children if c.type in ("argument_list", "macro_argument_list")), None)
                items = named(args) if args is not None else []
                if items and items[0].type == "identifier":
                    cfunction_targets.setdefault(s.text(items[0]), (s, n))
                elif items:
                    report(s, n, "@cfunction of a closure ($f) or expression: cannot check that its body is one try")

    def string_like(s, node, fn, depth=0):
        """Whether `node` evaluates to a string, as far as the function `fn` shows."""
        if depth > 8 or node is None:
            return False
        if node.type in ("string_literal", "prefixed_string_literal"):
            return True
        if node.type == "call_expression":
            return s.text(node.children[0]).split(".")[-1] in STRING_MAKERS | nul_checkers
        if node.type == "ternary_expression":
            parts = named(node)
            return any(string_like(s, p, fn, depth + 1) for p in parts[1:])
        if node.type == "field_expression" and node.named_children:
            return s.text(node.named_children[-1]) in string_fields
        if node.type == "identifier" and fn is not None:
            return bool(string_bindings(s, s.text(node), fn, depth + 1))
        return False

    def string_bindings(s, name, fn, depth):
        """Nodes binding `name` to a string in function `fn`: typed parameters,
        assignments, loop and comprehension variables over string vectors."""
        found = []
        sig = signature_node(fn) if fn.type in ("function_definition", "assignment") else None
        if sig is not None:
            for t in walk(sig):
                if t.type == "typed_expression" and t.named_children and s.text(t.named_children[0]) == name:
                    if STRING_TYPES.match(s.text(t.named_children[-1])):
                        found.append(t)
        for t in walk(fn):
            if t.type == "assignment" and t.children and t.children[0].type == "identifier" and s.text(t.children[0]) == name:
                if string_like(s, t.children[-1], fn, depth + 1):
                    found.append(t)
            elif t.type == "for_binding" and t.named_children:
                var, coll = t.named_children[0], t.named_children[-1]
                if s.text(var) == name and string_vector(s, coll, fn):
                    found.append(t)
        return found

    def string_vector(s, node, fn):
        if node.type == "comprehension_expression":
            body = named(node)[0] if named(node) else None
            return string_like(s, body, fn)
        if node.type == "identifier" and fn is not None:
            sig = signature_node(fn) if fn.type in ("function_definition", "assignment") else None
            if sig is not None:
                for t in walk(sig):
                    if t.type == "typed_expression" and t.named_children and s.text(t.named_children[0]) == s.text(node):
                        if STRING_VECTOR_TYPES.search(s.text(t.named_children[-1])):
                            return True
            for t in walk(fn):
                if t.type == "assignment" and t.children and s.text(t.children[0]) == s.text(node):
                    if string_vector(s, t.children[-1], None):
                        return True
        return False

    def nul_checked(s, name, fn, before):
        for t in walk(fn):
            if t.start_byte >= before:
                break
            if t.type == "call_expression" and s.text(t.children[0]).split(".")[-1] == "containsnul":
                if name in s.text(t):
                    return True
            if t.type == "assignment" and t.children and s.text(t.children[0]) == name:
                rhs = t.children[-1]
                if rhs.type == "call_expression" and s.text(rhs.children[0]).split(".")[-1] in nul_checkers:
                    return True
        return False

    target_nodes = set()
    for tname, (ts, tnode) in cfunction_targets.items():
        for s, fn in functions.get(tname, []):
            target_nodes.add((s.path, fn.start_byte))
            check_callback(s, fn, tname, report, cint_consts)
        if tname not in functions and not ts.is_markdown:
            report(ts, tnode, f"@cfunction target '{tname}' is not defined in the checked files: cannot check its body")

    for s in sources:
        for n in walk(s.tree.root_node):
            if n.type != "call_expression":
                continue
            callee = s.text(n.children[0]).split(".")[-1]
            arglist = next((c for c in n.children if c.type == "argument_list"), None)
            values = named(arglist) if arglist is not None else []
            if callee == "pointer" and values:
                fn = enclosing_function(n)
                arg = values[0]
                if string_like(s, arg, fn):
                    name = s.text(arg)
                    if not (arg.type == "identifier" and fn is not None and nul_checked(s, name, fn, n.start_byte)):
                        report(s, n, f"pointer({name}) of a string without a NUL check: a string containing NUL "
                                     "reaches C cut short; pass it as Cstring, or check Base.containsnul first")
            elif callee in UNSAFE_READS and not s.is_markdown:
                fn = enclosing_function(n)
                while fn is not None and fn.type in ("arrow_function_expression", "do_clause"):
                    fn = enclosing_function(fn)
                if fn is None or (s.path, fn.start_byte) in target_nodes:
                    continue
                ptr_params = set()
                sig = signature_node(fn)
                if sig is not None:
                    for t in walk(sig):
                        if t.type == "typed_expression" and len(t.named_children) >= 2 and \
                                s.text(t.named_children[-1]).startswith("Ptr"):
                            ptr_params.add(s.text(t.named_children[0]))
                for c in walk(fn):
                    if c.start_byte >= n.start_byte:
                        break
                    if c.type != "call_expression" or c.children[0].type != "field_expression":
                        continue
                    parts = c.children[0].named_children
                    if len(parts) != 2 or s.text(parts[0]) not in lib_aliases or s.text(parts[1]) not in protos:
                        continue
                    cargs = named(next((x for x in c.children if x.type == "argument_list"), c))
                    if not cargs or cargs[0].type != "identifier" or s.text(cargs[0]) in ptr_params:
                        continue
                    handle = s.text(cargs[0])
                    ok = False
                    p = n.parent
                    while p is not None and p != fn:
                        if is_preserve(p, s.text) and handle in preserved_names(p, s.text)[0] and inside(c, p):
                            ok = True
                            break
                        p = p.parent
                    if not ok:
                        report(s, n, f"{callee} reads memory of '{handle}' (passed to {s.text(c.children[0])} above) "
                                     f"outside GC.@preserve {handle}: the GC may finalize {handle} and free it meanwhile")
                        break

    print(f"check_julia_ccalls: {checked} ccall(s) checked against {len(protos)} prototype(s) "
          f"({external} to other libraries), "
          f"{len(structs)} struct(s), {sum(1 for v in defines.values() if int_value(v) is not None)} constant(s), "
          f"{len(cfunction_targets)} @cfunction target(s), {sum(1 for s in sources if s.is_markdown)} Markdown "
          f"code block(s): {problems} problem(s)")
    print(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


def ref_type(s, arg, fn):
    """T when `arg` is `Ref{T}(...)`, or a name the function `fn` binds to one."""
    def of(node):
        if node is not None and node.type == "call_expression" and node.children[0].type == "parametrized_type_expression":
            head = node.children[0]
            if s.text(head.named_children[0]) == "Ref":
                return s.text(head)[len("Ref{"):-1]
        return None
    if arg.type == "call_expression":
        return of(arg)
    if arg.type == "identifier" and fn is not None:
        for t in walk(fn):
            if t.type == "assignment" and t.children and s.text(t.children[0]) == s.text(arg):
                r = of(t.children[-1])
                if r is not None:
                    return r
    return None


def is_cint_constant(s, node, cint_consts):
    """A Cint constant, or a ternary choosing between two of them."""
    if node is None:
        return False
    if node.type == "ternary_expression":
        parts = named(node)
        return len(parts) == 3 and all(is_cint_constant(s, p, cint_consts) for p in parts[1:])
    t = s.text(node)
    return t in cint_consts or bool(re.match(r"^Cint\(-?\d+\)$", t))


def check_callback(s, fn, name, report, cint_consts):
    """A @cfunction target: its body is one try/catch, each ending with `return` of a Cint constant."""
    if fn.type == "assignment":
        body = [fn.children[-1]]
        sig = fn.children[0]
    else:
        sig = next((c for c in fn.children if c.type == "signature"), None)
        body = [c for c in named(fn) if c.type != "signature"]
    if sig is not None and sig.named_children and sig.named_children[0].type == "typed_expression" or \
            (sig is not None and sig.type == "typed_expression"):
        report(s, sig, f"@cfunction target '{name}' declares a return type: its conversion runs outside the try")
    if len(body) != 1 or body[0].type != "try_statement":
        report(s, fn, f"@cfunction target '{name}': the body must be one try ... catch ... end with nothing "
                      "outside it (an exception outside the try unwinds through the library)")
        return
    tr = body[0]
    catch = next((c for c in tr.children if c.type == "catch_clause"), None)
    if catch is None:
        report(s, tr, f"@cfunction target '{name}': the try has no catch")
        return
    if any(c.type == "finally_clause" for c in tr.children):
        report(s, tr, f"@cfunction target '{name}': a finally clause runs outside the catch")
    try_body = [c for c in named(tr) if c.type not in ("catch_clause", "finally_clause", "else_clause")]
    catch_body = named(catch)[1:] if named(catch) and named(catch)[0].type == "identifier" else named(catch)
    for what, stmts in (("try", try_body), ("catch", catch_body)):
        if not stmts or stmts[-1].type != "return_statement":
            report(s, stmts[-1] if stmts else tr, f"@cfunction target '{name}': the {what} block must end with "
                                                  "`return` of a Cint constant")
    for t in walk(tr, skip=FUNCTION_NODES):
        if t.type == "return_statement":
            value = named(t)[0] if named(t) else None
            vt = s.text(value) if value is not None else ""
            if not is_cint_constant(s, value, cint_consts):
                report(s, t, f"@cfunction target '{name}' returns {vt or 'nothing'}: return a Cint constant, "
                             "so that no conversion can throw outside the try")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
