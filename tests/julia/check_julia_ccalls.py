#!/usr/bin/env python3
"""Static check of the Julia binding against include/neurobatch.h, for
machines without Julia.

usage: check_julia_ccalls.py HEADER.h FILE.jl [FILE.jl ...]

Parses the Julia files with tree-sitter-julia and reports, with file:line:col,
exiting 1 on any:
  * syntax error (ERROR or MISSING node);
  * ccall to a symbol the header does not declare;
  * ccall whose return type, argument count or any argument type does not
    match the C prototype (types are compared structurally: integer widths,
    pointers and their pointees, structs by name, function pointers);
  * ccall passing a different number of values than argument types, or
    argument types written (T) instead of (T,);
  * header function that no ccall covers;
  * Julia struct named like a header struct whose fields differ in name,
    order or type;
  * NB_ constant whose value differs from the header's #define, or an
    integer #define the Julia files do not define.
Accepted ccall targets: (:sym, lib), ("sym", lib), :sym, and f(:sym) (a
function returning the symbol's address, e.g. dlsym).
Needs: pip install tree-sitter tree-sitter-julia
"""
import re
import sys

import tree_sitter_julia
from tree_sitter import Language, Parser

PRIMS_C = {
    "int32_t": "i32", "int": "i32", "uint32_t": "u32", "unsigned": "u32", "uint64_t": "u64", "int64_t": "i64",
    "size_t": "usize", "bool": "bool", "void": "void", "char": "char", "uint8_t": "u8", "int8_t": "i8",
    "double": "f64", "float": "f32",
}
PRIMS_JL = {
    "Int32": "i32", "Cint": "i32", "UInt32": "u32", "Cuint": "u32", "UInt64": "u64", "Culonglong": "u64",
    "Int64": "i64", "Clonglong": "i64", "Csize_t": "usize", "UInt": "usize", "Bool": "bool", "Cvoid": "void",
    "Nothing": "void", "Cchar": "char", "UInt8": "u8", "Int8": "i8",
    "Cdouble": "f64", "Float64": "f64", "Cfloat": "f32", "Float32": "f32",
}


# ---------------------------------------------------------------- header

def strip_c(text):
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    defines = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(NB_\w+)[ \t]+([^\n]+)$", text, flags=re.M):
        defines[m.group(1)] = m.group(2).strip()
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    text = re.sub(r'extern\s+"C"\s*\{', " ", text)
    return text, defines


def split_top(s, sep=","):
    parts, depth, cur = [], 0, ""
    for c in s:
        depth += c in "([{"
        depth -= c in ")]}"
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def c_decl_type(decl):
    """'const struct nb_batch **out' -> ('nb_batch', 2); function pointers -> ('<fnptr>', 0)."""
    if "(" in decl:
        return ("<fnptr>", 0)
    decl = re.sub(r"\b(const|struct|enum|volatile)\b", " ", decl)
    stars = decl.count("*")
    words = decl.replace("*", " ").split()
    if len(words) >= 2:
        words = words[:-1]          # drop the parameter or field name
    return (" ".join(words), stars)


def parse_header(path):
    text, defines = strip_c(open(path, encoding="utf-8").read())
    typedefs, structs, protos = {}, {}, {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", text, flags=re.S):
        fields = [f for f in (x.strip() for x in m.group(2).split(";")) if f]
        structs[m.group(3)] = [(f.replace("*", " ").split()[-1], c_decl_type(f)) for f in fields]
    text = re.sub(r"typedef\s+struct\s+\w+\s*\{.*?\}\s*\w+\s*;", " ", text, flags=re.S)
    for stmt in (" ".join(s.split()) for s in text.split(";")):
        if not stmt:
            continue
        m = re.match(r"typedef\s+[\w\s\*]+\(\s*\*\s*(\w+)\s*\)\s*\(.*\)$", stmt)
        if m:
            typedefs[m.group(1)] = ("<fnptr>", 0)
            continue
        m = re.match(r"typedef\s+struct\s+(\w+)\s+(\w+)$", stmt)
        if m:
            typedefs.setdefault(m.group(2), ("<opaque:%s>" % m.group(2), 0))
            continue
        m = re.match(r"typedef\s+(.+?)\s+(\w+)$", stmt)
        if m:
            typedefs[m.group(2)] = c_decl_type(m.group(1) + " x")
            continue
        m = re.match(r"(.+?)\b(\w+)\s*\((.*)\)$", stmt)
        if m and not stmt.startswith("typedef"):
            params = split_top(m.group(3))
            if params == ["void"]:
                params = []
            protos[m.group(2)] = (c_decl_type(m.group(1).strip() + " f"), [c_decl_type(p) for p in params])
    return typedefs, structs, protos, defines


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


# ---------------------------------------------------------------- julia

def jl_canon(text, aliases, depth=0):
    text = text.strip()
    if depth > 20:
        return ("unknown", text)
    text = re.sub(r"^(?:\w+\.)+", "", text)             # L.nb_batch -> nb_batch
    m = re.match(r"^(Ptr|Ref)\{(.*)\}$", text)
    if m:
        return ("ptr", jl_canon(m.group(2), aliases, depth + 1))
    if text in ("Ptr", "Any"):
        return ("ptr", ("prim", "void"))
    if text == "Cstring":
        return ("ptr", ("prim", "char"))
    if text in aliases:
        return jl_canon(aliases[text], aliases, depth + 1)
    if text in PRIMS_JL:
        return ("prim", PRIMS_JL[text])
    return ("struct", text)


def compatible(c, j):
    if c[0] == "ptr":
        if j[0] != "ptr":
            return False
        ci, ji = c[1], j[1]
        if ji == ("prim", "void") or ci == ("prim", "void"):
            return True                                  # void* and opaque handles
        if ci[0] in ("opaque", "fnptr"):
            return False
        if ci == ("prim", "char"):
            return ji in (("prim", "char"), ("prim", "u8"), ("prim", "i8"))
        return compatible(ci, ji)
    if c[0] == "fnptr":
        return j == ("ptr", ("prim", "void"))
    if c[0] == "struct":
        return j == ("struct", c[1])
    return c == j


def show(t):
    if t[0] == "ptr":
        return show(t[1]) + "*"
    return t[1] if len(t) > 1 else t[0]


def named(node):
    return [c for c in node.named_children if c.type not in ("comment", "line_comment", "block_comment")]


def walk(node):
    yield node
    for c in node.children:
        yield from walk(c)


def int_value(text):
    text = text.strip()
    m = re.match(r"^(?:U?Int\d+|Cint|Cuint|Csize_t)\((-?\d+)\)$", text)
    if m:
        return int(m.group(1))
    if re.match(r"^-?\d+$", text):
        return int(text)
    if text in ("typemax(UInt64)", "UINT64_MAX"):
        return 2 ** 64 - 1
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    header, files = argv[0], argv[1:]
    typedefs, structs, protos, defines = parse_header(header)
    parser = Parser(Language(tree_sitter_julia.language()))
    problems, checked, used = 0, 0, set()
    jl_consts, jl_structs, sources = {}, {}, []

    def report(path, node, msg):
        nonlocal problems
        problems += 1
        line, col = node.start_point if node is not None else (0, 0)
        print(f"{path}:{line + 1}:{col + 1}: {msg}")

    for path in files:
        src = open(path, "rb").read()
        tree = parser.parse(src)
        sources.append((path, src, tree))
        text = lambda n, s=src: s[n.start_byte:n.end_byte].decode()
        for n in walk(tree.root_node):
            if n.is_missing:
                report(path, n, f"syntax error: missing '{n.type}'")
            elif n.type == "ERROR":
                report(path, n, "syntax error near: " + repr(text(n).split("\n")[0][:60]))
            elif n.type == "const_statement":
                m = re.match(r"const\s+(\w+)\s*=\s*(.+)$", " ".join(text(n).split()))
                if m:
                    jl_consts[m.group(1)] = (m.group(2), path, n)
            elif n.type == "struct_definition":
                body = text(n)
                m = re.match(r"(?:mutable\s+)?struct\s+(\w+)", body)
                if m:
                    fields = re.findall(r"^\s*(\w+)::(\S+)\s*$", body, flags=re.M)
                    jl_structs[m.group(1)] = (fields, path, n)
    aliases = {k: v[0] for k, v in jl_consts.items() if not re.match(r"^-?\d|^\w+\(|^typemax", v[0])}

    for path, src, tree in sources:
        text = lambda n, s=src: s[n.start_byte:n.end_byte].decode()
        for n in walk(tree.root_node):
            if n.type != "call_expression" or text(n.children[0]).split(".")[-1] != "ccall":
                continue
            args = named(n.children[1]) if len(n.children) > 1 else []
            if len(args) < 3:
                report(path, n, "ccall needs (target, return type, argument types, values...)")
                continue
            target, ret, types = args[0], args[1], args[2]
            sym = None
            if target.type == "tuple_expression" and named(target):
                target = named(target)[0]
            if target.type in ("quote_expression", "string_literal"):
                sym = text(target).lstrip(":").strip('"')
            elif target.type == "call_expression" and len(target.children) > 1:
                inner = named(target.children[1])
                if inner and inner[0].type == "quote_expression":
                    sym = text(inner[0]).lstrip(":")
            if sym is None:
                report(path, n, "ccall target is not a literal symbol; cannot check it")
                continue
            checked += 1
            used.add(sym)
            if sym not in protos:
                report(path, n, f"ccall to '{sym}', which the header does not declare")
                continue
            c_ret, c_params = protos[sym]
            if not compatible(c_canon(c_ret, typedefs, structs), jl_canon(text(ret), aliases)):
                report(path, ret, f"'{sym}' returns {show(c_canon(c_ret, typedefs, structs))} in C, not {text(ret)}")
            if types.type == "parenthesized_expression":
                report(path, types, "argument types must be a tuple: write (T,) not (T)")
                continue
            if types.type != "tuple_expression":
                report(path, types, "argument types must be a literal tuple")
                continue
            jtypes = named(types)
            if len(jtypes) != len(c_params):
                report(path, types, f"'{sym}' takes {len(c_params)} argument(s) in C; the ccall declares {len(jtypes)}")
                continue
            for k, (cp, jt) in enumerate(zip(c_params, jtypes)):
                cc, jc = c_canon(cp, typedefs, structs), jl_canon(text(jt), aliases)
                if not compatible(cc, jc):
                    report(path, jt, f"'{sym}' argument {k + 1} is {show(cc)} in C, not {text(jt)}")
            if len(args) - 3 != len(jtypes):
                report(path, n, f"ccall to '{sym}' passes {len(args) - 3} value(s) for {len(jtypes)} argument type(s)")

    for name in sorted(set(protos) - used):
        problems += 1
        print(f"{header}: '{name}' is declared but no Julia ccall covers it")

    for name, fields in sorted(structs.items()):
        if name not in jl_structs:
            problems += 1
            print(f"{header}: struct '{name}' has no Julia mirror")
            continue
        jfields, path, node = jl_structs[name]
        if [f for f, _ in jfields] != [f for f, _ in fields]:
            report(path, node, f"struct {name} fields {[f for f, _ in jfields]} differ from the header's {[f for f, _ in fields]}")
            continue
        for (fname, ct), (_, jt) in zip(fields, jfields):
            cc, jc = c_canon(ct, typedefs, structs), jl_canon(jt, aliases)
            if not compatible(cc, jc):
                report(path, node, f"struct {name}.{fname} is {show(cc)} in C, not {jt}")

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

    print(f"check_julia_ccalls: {checked} ccall(s) checked against {len(protos)} prototype(s), "
          f"{len(structs)} struct(s), {sum(1 for v in defines.values() if int_value(v) is not None)} constant(s): {problems} problem(s)")
    print(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
