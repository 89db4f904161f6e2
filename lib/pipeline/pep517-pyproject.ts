/**
 * Part of the PEP 517 frontend (pep517.ts): pyproject.toml's [build-system] on every Python a
 * base image may carry (3.9+). tomllib (3.11+), else tomli, else pip's vendored tomli in a child
 * process (importing pip in the frontend would switch setuptools' distutils to the stdlib one),
 * else `read_minimal`, a reader of just enough TOML. Python source, embedded in BUILD_WHEEL_PY.
 */
export const PYPROJECT_PY = String.raw`
class Unavailable(Exception):
    """This TOML reader cannot run on this Python."""


class NotATable(Exception):
    """pyproject.toml is TOML, but its build-system is not a table ([[build-system]], build-system = "x")."""


def read_tomllib(text):
    try:
        import tomllib
    except ImportError:
        raise Unavailable()
    return tomllib.loads(text).get("build-system", {})


def read_tomli(text):
    try:
        import tomli
    except ImportError:
        raise Unavailable()
    return tomli.loads(text).get("build-system", {})


PIP_TOMLI = """import json, sys
try:
    from pip._vendor import tomli
except ImportError:
    sys.exit(3)
try:
    table = tomli.loads(sys.stdin.read()).get("build-system", {})
except ValueError as e:
    sys.stderr.write(str(e))
    sys.exit(4)
print(json.dumps(table, default=str))
"""


def read_pip_tomli(text):
    import json, subprocess
    run = subprocess.run([sys.executable, "-I", "-c", PIP_TOMLI], input=text, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    if run.returncode == 4:
        raise ValueError(run.stderr.strip())
    if run.returncode != 0:
        raise Unavailable()
    return json.loads(run.stdout)


class MiniToml:
    """Just enough TOML to find [build-system]: every value is read, so nothing inside a string or
    an array is taken for a table; strings, arrays and inline tables are decoded, other scalars
    (numbers, booleans, dates) kept as their text."""
    ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
    BARE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?|[A-Za-z0-9_+.:-]+")

    def __init__(self, text):
        self.s, self.i = text.replace("\r\n", "\n"), 0

    def error(self, what):
        raise ValueError("line %d: %s" % (self.s.count("\n", 0, self.i) + 1, what))

    def blank(self, newlines=False):
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end
            elif c in " \t" or (newlines and c == "\n"):
                self.i += 1
            else:
                return

    def take(self, token):
        if self.s.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def expect(self, token):
        self.blank()
        if not self.take(token):
            self.error("expected %s" % token)

    def key(self):
        parts = []
        while True:
            self.blank()
            if self.s.startswith('"', self.i) or self.s.startswith("'", self.i):
                parts.append(self.string())
            else:
                m = re.compile(r"[A-Za-z0-9_-]+").match(self.s, self.i)
                if not m:
                    self.error("expected a key")
                parts.append(m.group())
                self.i = m.end()
            self.blank()
            if not self.take("."):
                return tuple(parts)

    def string(self):
        quote = self.s[self.i]
        multi = self.s.startswith(quote * 3, self.i)
        self.i += 3 if multi else 1
        if multi and self.take("\n"):
            pass  # a newline right after the opening quotes is not part of the string
        out = []
        while True:
            if self.i >= len(self.s) or (not multi and self.s[self.i] == "\n"):
                self.error("unterminated string")
            if self.s.startswith(quote * 3 if multi else quote, self.i):
                extra = 0
                while multi and extra < 2 and self.s.startswith(quote * 4, self.i + extra):
                    extra += 1  # up to two quotes just before the closing three belong to the string
                out.append(quote * extra)
                self.i += extra + (3 if multi else 1)
                return "".join(out)
            c = self.s[self.i]
            self.i += 1
            if c != "\\" or quote == "'":
                out.append(c)
            elif multi and re.compile(r"[ \t]*\n").match(self.s, self.i):
                self.blank(newlines=True)  # a line-ending backslash joins the lines
            elif self.s[self.i:self.i + 1] in ("u", "U"):
                size = 4 if self.s[self.i] == "u" else 8
                digits = self.s[self.i + 1:self.i + 1 + size]
                if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % size, digits):
                    self.error("invalid escape")
                out.append(chr(int(digits, 16)))
                self.i += 1 + size
            elif self.s[self.i:self.i + 1] in self.ESCAPES:
                out.append(self.ESCAPES[self.s[self.i]])
                self.i += 1
            else:
                self.error("invalid escape")

    def value(self):
        self.blank()
        c = self.s[self.i:self.i + 1]
        if c in ('"', "'"):
            return self.string()
        if c == "[":
            self.i += 1
            items = []
            while True:
                self.blank(newlines=True)
                if self.take("]"):
                    return items
                items.append(self.value())
                self.blank(newlines=True)
                if not self.take(","):
                    self.expect("]")
                    return items
        if c == "{":
            self.i += 1
            table = {}
            self.blank()
            if self.take("}"):
                return table
            while True:
                keys = self.key()
                self.expect("=")
                self.put(table, keys, self.value())
                self.blank()
                if not self.take(","):
                    self.expect("}")
                    return table
        m = self.BARE.match(self.s, self.i)
        if not m:
            self.error("expected a value")
        self.i = m.end()
        return m.group()

    def walk(self, table, keys, whole):
        """The table at keys (made when missing); in an array of tables, its last table."""
        for k in keys:
            table = table.setdefault(k, {})
            if isinstance(table, list) and table and isinstance(table[-1], dict):
                table = table[-1]
            if not isinstance(table, dict):
                self.error("%s is not a table" % ".".join(whole))
        return table

    def put(self, table, keys, value):
        self.walk(table, keys[:-1], keys)[keys[-1]] = value

    def end_of_line(self):
        self.blank()
        if self.i < len(self.s) and not self.take("\n"):
            self.error("expected the end of the line")

    def read(self):
        root, table = {}, ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.s):
                return root
            if self.take("["):
                double = self.take("[")
                table = self.key()
                self.expect("]")
                if double:
                    self.expect("]")
                    # An array of tables: one more table in it, which the keys below go to.
                    tables = self.walk(root, table[:-1], table).setdefault(table[-1], [])
                    if not isinstance(tables, list):
                        self.error("%s is not an array of tables" % ".".join(table))
                    tables.append({})
            else:
                keys = self.key()
                self.expect("=")
                self.put(root, table + keys, self.value())
            self.end_of_line()


def read_minimal(text):
    return MiniToml(text).read().get("build-system", {})


TOML_READERS = [read_tomllib, read_tomli, read_pip_tomli, read_minimal]


def build_system(path):
    """pyproject.toml's [build-system] table; ValueError when the file is not TOML, NotATable
    when its build-system is something else (the same whichever reader read it)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for reader in TOML_READERS:
        try:
            system = reader(text)
        except Unavailable:
            continue
        if not isinstance(system, dict):
            raise NotATable("[build-system] must be a table")
        return system


def read_or_error(reader, text):
    """For tests: a reader's table, or the name of the error it raised."""
    try:
        return globals()[reader](text)
    except ValueError as e:
        return "ValueError: %s" % e
`
