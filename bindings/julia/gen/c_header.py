"""The declarations of include/neurobatch.h, read for the Julia binding.

Shared by the generator of the ccall layer (generate.py, next to this file)
and the static check of the Julia sources (tests/julia/check_julia_ccalls.py),
so both see the header the same way. Python 3 standard library only.

The header is cbindgen output: #defines, typedefs, struct bodies and
prototypes, each preceded by its doc comment. Anything else is an error
(HeaderError), so a construct this reader does not know cannot be skipped
silently by the generator or the check.
"""
import re
import textwrap
from dataclasses import dataclass, field


class HeaderError(Exception):
    pass


# C scalar types and what they are in Julia; `char` is handled apart
# (Cstring or UInt8 depending on const and position).
C_TO_JULIA = {
    "int8_t": "Int8", "uint8_t": "UInt8", "int16_t": "Int16", "uint16_t": "UInt16",
    "int32_t": "Int32", "uint32_t": "UInt32", "int64_t": "Int64", "uint64_t": "UInt64",
    "size_t": "Csize_t", "int": "Cint", "unsigned": "Cuint", "bool": "Bool",
    "double": "Cdouble", "float": "Cfloat", "void": "Cvoid", "char": "UInt8",
}

JULIA_KEYWORDS = {
    "baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif", "end", "export",
    "false", "finally", "for", "function", "global", "if", "import", "in", "isa", "let", "local", "macro",
    "module", "quote", "return", "struct", "true", "try", "using", "where", "while", "outer", "abstract",
    "primitive", "type", "mutable",
}


@dataclass
class CType:
    """A declared C type: `base` without qualifiers, `stars` pointer levels,
    `const_base` when the innermost pointee (or the value) is const."""
    base: str
    stars: int
    const_base: bool = False
    fnptr: bool = False

    def key(self):
        return (self.base, self.stars)


@dataclass
class Param:
    name: str
    ctype: CType
    text: str


@dataclass
class Decl:
    kind: str            # define, macro, alias, opaque, fnptr, struct, function
    name: str
    offset: int
    doc: str = ""
    text: str = ""       # the declaration, whitespace normalised
    value: str = ""      # define: its value text
    ctype: CType = None  # alias: the aliased type; function/fnptr: the return type
    params: list = field(default_factory=list)   # function/fnptr: Params; struct: fields (Params)
    field_docs: list = field(default_factory=list)


@dataclass
class Section:
    title: str
    text: str
    offset: int


@dataclass
class Header:
    decls: list          # Decl and Section, in header order
    typedefs: dict       # name -> (base, stars) as the check compares them
    structs: dict        # name -> [(field, (base, stars))]
    protos: dict         # name -> ((base, stars), [(base, stars)])
    defines: dict        # NB_ name -> value text
    params: dict         # function name -> [Param]
    fields: dict         # struct name -> [Param]

    def decl(self, name):
        for d in self.decls:
            if isinstance(d, Decl) and d.name == name:
                return d
        return None


def _blank(text, start, end):
    """`text` with [start, end) replaced by spaces, newlines kept (offsets stay valid)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _comment_text(raw):
    """The text of a /* */ or /** */ comment without its frame and leading stars."""
    body = re.sub(r"^/\*+|\*/$", "", raw.strip())
    lines = [re.sub(r"^\s*\* ?", "", line) for line in body.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return textwrap.dedent("\n".join(line.rstrip() for line in lines))


def c_type(decl, has_name=True):
    """'const struct nb_batch **out' -> (CType, 'out'); function pointers are CType('<fnptr>')."""
    decl = " ".join(decl.split())
    if "(" in decl:
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
        return CType("<fnptr>", 0, fnptr=True), (m.group(1) if m else "")
    words = decl.replace("*", " * ").split()
    name = ""
    if has_name and len([w for w in words if w not in ("const", "struct", "enum", "volatile", "*")]) >= 2:
        name = words.pop()
    stars = words.count("*")
    first_star = words.index("*") if "*" in words else len(words)
    const_base = "const" in words[:first_star]
    base = [w for w in words if w not in ("const", "struct", "enum", "volatile", "*")]
    if len(base) != 1:
        raise HeaderError(f"cannot read the C declaration {decl!r}")
    return CType(base[0], stars, const_base), name


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


def _params(text):
    parts = split_top(text)
    if parts == ["void"]:
        return []
    out = []
    for p in parts:
        if p == "...":
            raise HeaderError("variadic functions are not supported by the Julia binding")
        t, name = c_type(p)
        if not name:
            raise HeaderError(f"parameter without a name: {p!r}")
        out.append(Param(name, t, " ".join(p.split())))
    return out


def parse(path):
    raw = open(path, encoding="utf-8").read()
    text = raw
    docs, sections = [], []
    for m in re.finditer(r"/\*.*?\*/|//[^\n]*", raw, flags=re.S):
        c = m.group(0)
        if c.startswith("/*") and "====" in c.split("\n")[0]:
            body = _comment_text(c)
            title, _, rest = body.partition("\n")
            sections.append(Section(title.strip("= ").strip(), "\n".join(x.strip() for x in rest.split("\n")).strip(), m.start()))
        elif c.startswith("/*"):
            docs.append((m.start(), m.end(), _comment_text(c)))
        text = _blank(text, m.start(), m.end())
    # Comments are attached on this text, where every declaration still stands
    # between a comment and the next declaration.
    plain = text

    def doc_before(offset):
        best = ""
        for start, end, d in docs:
            if end <= offset and not plain[end:offset].strip():
                best = d
        return best

    decls = list(sections)
    defines = {}
    for m in re.finditer(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", text, flags=re.M):
        line = " ".join(m.group(0).replace("\\\n", " ").split())
        d = re.match(r"#\s*define\s+(NB_\w+)(\(([^)]*)\))?\s+(.+)$", line)
        if d and d.group(2):
            decls.append(Decl("macro", d.group(1), m.start(), doc_before(m.start()), line, d.group(4)))
        elif d:
            defines[d.group(1)] = d.group(4).strip()
            decls.append(Decl("define", d.group(1), m.start(), doc_before(m.start()), line, d.group(4).strip()))
        text = _blank(text, m.start(), m.end())
    for m in re.finditer(r'extern\s+"C"\s*\{', text):
        text = _blank(text, m.start(), m.end())

    # Statements end at ';' outside braces; a lone '}' closes extern "C".
    start, depth = None, 0
    statements = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        if start is None:
            if ch == "}" and depth == 0:
                continue
            start = i
        depth += ch == "{"
        depth -= ch == "}"
        if ch == ";" and depth == 0:
            statements.append((start, i))
            start = None
    if start is not None:
        raise HeaderError(f"unterminated declaration: {text[start:start + 60]!r}")

    typedefs, structs, protos, params, fields = {}, {}, {}, {}, {}
    for s, e in statements:
        stmt = " ".join(text[s:e].split())
        doc = doc_before(s)
        m = re.match(r"typedef struct (\w+) \{(.*)\} (\w+)$", stmt)
        if m:
            name = m.group(3)
            body_start = text.index("{", s) + 1
            flist, fdocs, pos = [], [], body_start
            for part in text[body_start:text.rindex("}", s, e)].split(";"):
                if part.strip():
                    t, fname = c_type(part)
                    fdocs.append(doc_before(pos + len(part) - len(part.lstrip())))
                    flist.append(Param(fname, t, " ".join(part.split())))
                pos += len(part) + 1
            fields[name] = flist
            structs[name] = [(f.name, f.ctype.key()) for f in flist]
            decls.append(Decl("struct", name, s, doc, stmt, params=flist, field_docs=fdocs))
            continue
        m = re.match(r"typedef (.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)$", stmt)
        if m:
            ret, _ = c_type(m.group(1), has_name=False)
            typedefs[m.group(2)] = ("<fnptr>", 0)
            decls.append(Decl("fnptr", m.group(2), s, doc, stmt, ctype=ret, params=_params(m.group(3))))
            continue
        m = re.match(r"typedef struct (\w+) (\w+)$", stmt)
        if m:
            typedefs.setdefault(m.group(2), ("<opaque:%s>" % m.group(2), 0))
            decls.append(Decl("opaque", m.group(2), s, doc, stmt))
            continue
        m = re.match(r"typedef (.+?) (\w+)$", stmt)
        if m:
            t, _ = c_type(m.group(1), has_name=False)
            typedefs[m.group(2)] = t.key()
            decls.append(Decl("alias", m.group(2), s, doc, stmt, ctype=t))
            continue
        m = re.match(r"(.+?)\b(\w+)\s*\((.*)\)$", stmt)
        if m and not stmt.startswith("typedef"):
            ret, _ = c_type(m.group(1).strip(), has_name=False)
            ps = _params(m.group(3))
            params[m.group(2)] = ps
            protos[m.group(2)] = (ret.key(), [p.ctype.key() for p in ps])
            decls.append(Decl("function", m.group(2), s, doc, stmt, ctype=ret, params=ps))
            continue
        raise HeaderError(f"unrecognised declaration in {path}: {stmt[:80]!r}")

    decls.sort(key=lambda d: d.offset)
    return Header(decls, typedefs, structs, protos, defines, params, fields)
