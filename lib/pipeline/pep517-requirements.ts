/**
 * Part of the PEP 517 frontend (pep517.ts): which build requirements this environment lacks, by
 * version and marker — PEP 440 versions and specifiers, PEP 508 requirements and markers, as
 * pip's `packaging` decides them, without it (importing pip in the frontend would switch
 * setuptools' distutils to the stdlib one). Python source, embedded in BUILD_WHEEL_PY.
 */
export const REQUIREMENTS_PY = String.raw`
VERSION = re.compile(r"""v?(?:(\d+)!)?(\d+(?:\.\d+)*)
    (?:[-_.]?(alpha|beta|preview|pre|rc|a|b|c)[-_.]?(\d*))?
    (?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?
    (?:[-_.]?(dev)[-_.]?(\d*))?
    (?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?""", re.I | re.X)
PRE = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "rc": "rc", "pre": "rc", "preview": "rc"}
SPECIFIER = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*")


def parse_version(text):
    """A PEP 440 version as (epoch, release, pre, post, dev, local); None when it is not one."""
    m = VERSION.fullmatch(text.strip())
    if not m:
        return None
    epoch, release, pre_l, pre_n, post_n1, post_l, post_n2, dev_l, dev_n, local = m.groups()
    return (int(epoch or 0), tuple(int(x) for x in release.split(".")),
            (PRE[pre_l.lower()], int(pre_n or 0)) if pre_l else None,
            int(post_n1) if post_n1 else int(post_n2 or 0) if post_l else None,
            int(dev_n or 0) if dev_l else None,
            tuple(re.split(r"[-_.]", local.lower())) if local else None)


def normalized(v):
    """A parsed version as its normal form: V1.0-RC-2 is 1.0rc2."""
    epoch, release, pre, post, dev, local = v
    return "".join(["%d!" % epoch if epoch else "", ".".join(map(str, release)), "%s%d" % pre if pre else "",
                    ".post%d" % post if post is not None else "", ".dev%d" % dev if dev is not None else "",
                    "+" + ".".join(local) if local else ""])


def sort_key(v):
    """PEP 440 order: trailing zeros do not count; dev < pre < final < post; a local label sorts after."""
    epoch, release, pre, post, dev, local = v
    release = list(release)
    while release and release[-1] == 0:
        release.pop()
    if pre is None:
        pre_k = (-1,) if post is None and dev is not None else (3,)
    else:
        pre_k = (("a", "b", "rc").index(pre[0]), pre[1])
    return (epoch, tuple(release), pre_k, (-1,) if post is None else (0, post), (1,) if dev is None else (0, dev),
            (-1,) if local is None else (0,) + tuple((1, int(p)) if p.isdigit() else (0, p) for p in local))


def spec_match(op, spec, have, v):
    """Whether version v (as text: have) matches one specifier. Pre-releases count: the version is
    installed already, as pip checks an installed one."""
    if op == "===":  # as packaging: a valid version in its normal form, anything else as written
        return (normalized(v) if v else have.strip()).lower() == spec.strip().lower()
    if v is None:
        return False  # not a PEP 440 version: it matches nothing but ===
    if op in ("==", "!=") and spec.endswith(".*"):
        s = parse_version(spec[:-2])
        if s is None:
            raise ValueError("invalid version in %s%s" % (op, spec))
        release = v[1] + (0,) * (len(s[1]) - len(v[1]))
        hit = v[0] == s[0] and release[:len(s[1])] == s[1]
        return hit if op == "==" else not hit
    s = parse_version(spec)
    if s is None:
        raise ValueError("invalid version in %s%s" % (op, spec))
    key, public = sort_key, v[:5] + (None,)
    if op == "~=":
        if len(s[1]) < 2:
            raise ValueError("~= needs a version of two parts or more: ~=%s" % spec)
        prefix = "%d!%s.*" % (s[0], ".".join(str(x) for x in s[1][:-1]))
        return spec_match(">=", spec, have, v) and spec_match("==", prefix, have, v)
    if op in ("==", "!="):
        hit = key(v if s[5] is not None else public) == key(s)
        return hit if op == "==" else not hit
    if op == "<=":
        return key(public) <= key(s)
    if op == ">=":
        return key(public) >= key(s)
    if op == "<":  # not a pre-release of V itself (from V.dev0 on), unless V is one
        earliest = s[:4] + (0, None)
        return key(v) < key(s) and not (s[2] is None and s[4] is None and (v[2] is not None or v[4] is not None) and key(v) >= key(earliest))
    # >: not a post-release of V itself, unless V is one; not a local version of V
    return (key(v) > key(s) and not (s[3] is None and v[3] is not None and key(v[:3] + (None, None, None)) == key(s))
            and not (v[5] is not None and key(public) == key(s)))


def parse_specifiers(text):
    out = []
    for part in text.split(","):
        if part.strip():
            m = SPECIFIER.fullmatch(part)
            if not m:
                raise ValueError("invalid specifier %r" % part.strip())
            out.append(m.groups())
    return out


def satisfies(have, specifiers):
    """Whether an installed version meets a comma-separated specifier set ("" meets any)."""
    v = parse_version(have)
    return all(spec_match(op, spec, have, v) for op, spec in parse_specifiers(specifiers))


def parse_requirement(text):
    """(name, specifiers, marker) of a PEP 508 requirement; a URL requirement has no specifiers."""
    m = re.fullmatch(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)", text, re.S)
    if not m:
        raise ValueError("not a requirement")
    name, rest = m.groups()
    if rest.startswith("@"):
        url = re.fullmatch(r"@\s*\S+(?:\s+;(.*))?\s*", rest, re.S)
        if not url:
            raise ValueError("a URL requirement is name @ URL ; marker")
        return name, "", (url.group(1) or "").strip() or None
    specifiers, _, marker = rest.partition(";")
    specifiers = specifiers.strip()
    if specifiers.startswith("(") and specifiers.endswith(")"):
        specifiers = specifiers[1:-1]
    parse_specifiers(specifiers)  # refuses a malformed one
    return name, specifiers, marker.strip() or None


def marker_env():
    """The PEP 508 marker variables of this interpreter."""
    import platform
    iv = sys.implementation.version
    return {"implementation_name": sys.implementation.name, "os_name": os.name, "sys_platform": sys.platform,
            "implementation_version": "%d.%d.%d" % iv[:3] + ("" if iv.releaselevel == "final" else iv.releaselevel[0] + str(iv.serial)),
            "platform_machine": platform.machine(), "platform_release": platform.release(),
            "platform_system": platform.system(), "platform_version": platform.version(),
            "platform_python_implementation": platform.python_implementation(),
            "python_full_version": platform.python_version(), "python_version": "%d.%d" % sys.version_info[:2], "extra": ""}


MARKER_TOKEN = re.compile(r"""\s*(?:(?P<paren>[()])|(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in(?![\w.])|in(?![\w.]))
    |(?P<logic>and(?![\w.])|or(?![\w.]))|(?P<string>'[^']*'|"[^"]*")|(?P<name>[A-Za-z_][\w.]*))""", re.X)
MARKER_ALIASES = {"os.name": "os_name", "sys.platform": "sys_platform", "platform.version": "platform_version",
                  "platform.machine": "platform_machine", "platform.python_implementation": "platform_python_implementation",
                  "python_implementation": "platform_python_implementation"}
STRING_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
              ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


def marker_true(marker, env):
    """Whether a PEP 508 marker holds in env (marker_env()): versions compared as versions."""
    tokens, i = [], 0
    while marker[i:].strip():
        m = MARKER_TOKEN.match(marker, i)
        if not m:
            raise ValueError("invalid marker %r at %r" % (marker, marker[i:].strip()))
        tokens.append((m.lastgroup, m.group(m.lastgroup)))
        i = m.end()
    at = [0]

    def peek():
        return tokens[at[0]] if at[0] < len(tokens) else (None, None)

    def take(kind, value=None):
        if peek()[0] != kind or (value is not None and peek()[1] != value):
            raise ValueError("invalid marker %r" % marker)
        at[0] += 1
        return tokens[at[0] - 1][1]

    def operand():
        kind = peek()[0]
        value = take("string" if kind == "string" else "name")
        if kind == "string":
            return None, value[1:-1]
        name = MARKER_ALIASES.get(value, value)
        if name not in env:
            raise ValueError("unknown marker variable %s" % value)
        return name, env[name]

    def single():
        if peek() == ("paren", "("):
            at[0] += 1
            result = either()
            take("paren", ")")
            return result
        (lname, lhs), op, (rname, rhs) = operand(), " ".join(take("op").split()), operand()
        if "extra" in (lname, rname):
            lhs, rhs = (re.sub(r"[-_.]+", "-", x).lower() for x in (lhs, rhs))
        if op not in ("in", "not in"):
            target = rhs[:-2] if op in ("==", "!=") and rhs.endswith(".*") else rhs
            if op == "===" or (parse_version(target) is not None and parse_version(lhs) is not None):
                return spec_match(op, rhs, lhs, parse_version(lhs))
        if op not in STRING_OPS:
            raise ValueError("cannot compare %r %s %r" % (lhs, op, rhs))
        return STRING_OPS[op](lhs, rhs)

    def both():
        result = single()
        while peek() == ("logic", "and"):
            at[0] += 1
            result = single() and result
        return result

    def either():
        result = both()
        while peek() == ("logic", "or"):
            at[0] += 1
            result = both() or result
        return result

    result = either()
    if at[0] != len(tokens):
        raise ValueError("invalid marker %r" % marker)
    return result


def installed_version(name):
    from importlib import metadata
    # Older importlib.metadata (3.9) does not normalise names itself.
    for candidate in (name, re.sub(r"[-_.]+", "_", name).lower(), re.sub(r"[-_.]+", "-", name).lower()):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            pass
    return None


def missing(requirements):
    """The build requirements this environment lacks, as (requirement, installed version or None):
    absent, or installed at a version the requirement excludes. One whose marker is false here is
    not needed. ValueError for a requirement that is not PEP 508."""
    env, gone = None, []
    for text in requirements:
        try:
            name, specifiers, marker = parse_requirement(text)
            if marker:
                env = env or marker_env()
                if not marker_true(marker, env):
                    continue
        except ValueError as e:
            raise ValueError("%s: %s" % (text, e))
        have = installed_version(name)
        if have is None or not satisfies(have, specifiers):
            gone.append((text, have))
    return gone
`
