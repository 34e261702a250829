"""Pattern checks (crypto, web configuration, credentials), parsing and infrastructure rules."""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

# Every finding, the usually-noise ones below the default confidence too.
EVERY = ReviewOptions(min_confidence=0.0)


def rules(name: str, source: str) -> set[str]:
    return {f.rule for f in review_sources({name: source.encode()}, EVERY).findings}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import hashlib\ntoken_digest = hashlib.md5(b'x')\n", {"crypto.weak-hash"}),
        (
            "import hashlib\ndef sign(m):\n    return hashlib.sha1(m).digest()\n",
            {"crypto.weak-hash"},
        ),
        ("import hashlib\nh = hashlib.md5(b'x', usedforsecurity=False)\n", set()),
        ("import random\nsession_token = random.getrandbits(64)\n", {"crypto.weak-random"}),
        ("import random\nsongs = random.sample(x, 3)\n", set()),
        ("import requests\nrequests.get('https://a', verify=False)\n", {"tls.verify-disabled"}),
        ("resp.set_cookie('s', v, secure=True, httponly=True)\n", set()),
        ("resp.set_cookie('s', v, httponly=True)\n", {"cookie.insecure"}),
        ("resp.set_cookie('s', v, secure=False, httponly=True)\n", {"cookie.insecure"}),
        ("resp.set_cookie('s', value=v, secure=True)\n", {"cookie.no-httponly"}),
        ("jar.set_cookie(cookie)\n", set()),
        ("resp.set_cookie(k, v, **kwargs)\n", set()),
        ("resp.set_cookie(k, v, secure=conf.SECURE, httponly=conf.HTTPONLY)\n", set()),
        ("app.run(debug=True)\n", {"debug.enabled"}),
        ("DEBUG = True\n", {"debug.enabled"}),
        ("from flask_cors import CORS\nCORS(app)\n", {"cors.wildcard"}),
        ("from flask_cors import CORS\nCORS(app, origins=['https://a.b'])\n", set()),
        ("api_key = 'AKfoo83jd9s'\n", {"secrets.hard-coded"}),
        ("password_field = 'password'\n", set()),
        ("token = os.environ['TOKEN']\n", set()),
        ("import yaml\nyaml.load(s)\n", {"deserialize.yaml-load"}),
        ("import yaml\nyaml.load(s, Loader=yaml.SafeLoader)\n", set()),
    ],
)
def test_python_checks(source: str, expected: set[str]) -> None:
    """Each check fires on its insecure pattern and stays quiet on the secure counterpart."""
    assert expected == rules("mod.py", source)


def test_newest_syntax_parses_on_any_interpreter() -> None:
    """PEP 701 f-strings and PEP 695 type parameters parse without problems on Python 3.11."""
    source = 'def f[T](x: T) -> T:\n    return x\ntype A = list[int]\ns = f"{d["k"]}"\n'
    report = review_sources({"new.py": source.encode()})
    assert [] == report.problems


def test_unparseable_file_is_reported_not_skipped() -> None:
    """A syntax error becomes a Problem naming the file and line, and analysis still runs."""
    source = "import os\ndef f(:\n    pass\nos.system(input())\n"
    report = review_sources({"broken.py": source.encode()})
    assert ["broken.py"] == [p.path for p in report.problems]
    assert 0 < report.problems[0].line


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Dockerfile", "FROM python:3.12-slim\nUSER app\n", set()),
        ("Dockerfile", "FROM python\nRUN curl -s https://x | sh\n",
         {"docker.unpinned-base", "docker.pipe-to-shell", "docker.root-user"}),
        ("main.tf", 'resource "aws_db_instance" "d" {\n  publicly_accessible = true\n}\n',
         {"tf.public-database"}),
        ("main.tf", 'resource "aws_db_instance" "d" {\n  publicly_accessible = false\n}\n', set()),
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n"
         "    image: app:1.2\n    securityContext:\n      privileged: true\n", {"k8s.privileged"}),
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n"
         "    image: app:1.2\n", set()),
    ],
)  # fmt: skip
def test_infrastructure_rules(name: str, text: str, expected: set[str]) -> None:
    """Dockerfile, Terraform and Kubernetes rules flag the insecure variant only."""
    assert expected == rules(name, text)


def test_secrets_in_test_fixtures_have_lower_confidence() -> None:
    """A credential in a test file is kept (it may be real) at confidence 0.5."""
    from vallum.review import review_sources

    code = b'DB_PASSWORD = "Sup3rS3cret!"\n'
    for path, confidence in (("app/settings.py", 1.0), ("tests/test_db.py", 0.5)):
        found = review_sources({path: code}, EVERY).findings
        assert [(f.rule, f.confidence) for f in found] == [("secrets.hard-coded", confidence)]
    js = b'const apiToken = "f3a9c1d27be84e0b9a5d6c4e";\n'
    found = review_sources({"src/api.spec.ts": js}, EVERY).findings
    assert [(f.cwe, f.confidence) for f in found] == [(798, 0.5)]


def test_django_settings_confidence_depends_on_a_project_settings_module() -> None:
    """`SESSION_COOKIE_SECURE = False` in a project's settings is certain; in a defaults module
    without a URLconf (a library's global settings) it is reported at confidence 0.5."""
    from vallum.review import review_sources

    body = "SESSION_COOKIE_SECURE = False\n"
    project = review_sources({"s.py": (body + 'ROOT_URLCONF = "app.urls"\n').encode()})
    defaults = review_sources({"s.py": body.encode()}, EVERY)
    assert [f.confidence for f in project.findings] == [1.0]
    assert [f.confidence for f in defaults.findings] == [0.5]


@pytest.mark.parametrize(
    ("code", "confidence"),
    [
        ("import hashlib\ntoken_digest = hashlib.md5(b'x')\n", 1.0),
        ("import hashlib\ndef sign(m):\n    return hashlib.sha1(m).digest()\n", 1.0),
        ("import hashlib\ndigest = hashlib.md5(password.encode())\n", 1.0),
        ("import hashlib\netag = hashlib.md5(body).hexdigest()\n", 0.5),
        ("import hashlib\ndef _sqlite_md5(text):\n    return hashlib.md5(text).hexdigest()\n", 0.5),
    ],
)
def test_weak_hash_confidence_follows_what_it_protects(code: str, confidence: float) -> None:
    from vallum.review import review_sources

    found = review_sources({"h.py": code.encode()}, EVERY).findings
    assert [f.confidence for f in found if f.cwe in {328, 916}][:1] == [confidence]


@pytest.mark.parametrize(
    ("path", "code", "shown"),
    [
        # below the default: usually noise in a CI run
        ("cli.py", "import sys, sqlite3\nsqlite3.connect('d').execute('x' + sys.argv[1])\n", False),
        ("etag.py", "import hashlib\ndef etag(body):\n    return hashlib.md5(body).hexdigest()\n", False),
        ("conf/global_settings.py", "SESSION_COOKIE_SECURE = False\n", False),
        ("app/tests.py", 'DB_PASSWORD = "Sup3rS3cret!"\n', False),
        ("flash.py", "resp.set_cookie('flash_messages', v, httponly=True)\n", False),
        ("v.py", "def view(request):\n    try:\n        run()\n    except InvalidSpecError as e:\n"
         "        return HttpResponseBadRequest(str(e))\n", False),  # written for the client
        ("prefs.js", 'res.cookie("theme", "dark");\n', False),
        # at or above it: real classes stay visible
        ("auth.py", "import hashlib\ndef hash_password(p):\n    return hashlib.md5(p).hexdigest()\n", True),
        ("sig.py", "import hashlib\ndef sign(m):\n    return hashlib.sha1(m).digest()\n", True),
        ("tok.py", "import hashlib\ntoken_digest = hashlib.md5(b'x')\n", True),
        ("settings.py", 'ROOT_URLCONF = "a.urls"\nSESSION_COOKIE_SECURE = False\n', True),
        ("app/settings.py", 'DB_PASSWORD = "Sup3rS3cret!"\n', True),
        ("login.py", "resp.set_cookie('session', v, httponly=True)\n", True),
        ("v.py", "def view(request):\n    try:\n        run()\n    except Exception as e:\n"
         "        return HttpResponseBadRequest(str(e))\n", True),
        ("remember.py", "resp.set_cookie('r', token, httponly=True)\n", True),  # the value
        ("login.js", 'res.cookie("sid", sid, { maxAge: 5 });\n', True),
    ],
)  # fmt: skip
def test_default_confidence_hides_usual_noise_not_real_classes(
    path: str, code: str, shown: bool
) -> None:
    """At the default `--min-confidence` (0.6) noise classes are hidden, security uses shown."""
    everything = review_sources({path: code.encode()}, EVERY).findings
    default = review_sources({path: code.encode()}).findings
    assert everything  # found either way: the default only filters
    assert shown == bool(default)


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        # fresh CSPRNG output is the hash's one input: nothing to collide or guess
        ("import hashlib, os\ncsrf_token = hashlib.sha1(os.urandom(64)).hexdigest()\n", False),
        ("import hashlib, secrets\ntoken = hashlib.md5(secrets.token_hex(16).encode())\n", False),
        (
            "import hashlib, uuid\nsession_key = hashlib.md5(uuid.uuid4().bytes).hexdigest()\n",
            False,
        ),
        ("from os import urandom\nfrom hashlib import sha1\ntoken = sha1(urandom(32))\n", False),
        (
            "import hashlib, os\ndef token():\n    seed = os.urandom(32)\n"
            "    return hashlib.sha1(seed).hexdigest()\n",
            False,
        ),
        (
            "import hashlib, os\ndef token():\n    seed = str(os.urandom(8))\n"
            "    return hashlib.sha1(seed.encode()).hexdigest()\n",
            False,
        ),
        # hard negatives: other input, mixed input, a name bound some other way too
        ("import hashlib, os\ntoken = hashlib.sha1(os.urandom(8) + user).hexdigest()\n", True),
        ("import hashlib, os\ntoken = hashlib.sha1(os.getpid().to_bytes(4, 'big'))\n", True),
        ("import hashlib, random\ntoken = hashlib.md5(random.randbytes(16))\n", True),
        (
            "import hashlib, os\ndef token(seed):\n    return hashlib.sha1(seed).hexdigest()\n",
            True,
        ),
        (
            "import hashlib, os\ndef token(items):\n    seed = os.urandom(8)\n"
            "    for seed in items:\n        pass\n    return hashlib.sha1(seed).hexdigest()\n",
            True,
        ),
        (
            "import hashlib, os\ndef token(extra):\n    seed = os.urandom(8)\n    seed += extra\n"
            "    return hashlib.sha1(seed).hexdigest()\n",
            True,
        ),
        (
            "import hashlib, os\ndef token():\n    h = hashlib.sha1(os.urandom(8), other)\n"
            "    return h.hexdigest()\n",
            True,
        ),
    ],
)
def test_weak_hash_over_fresh_randomness(code: str, flagged: bool) -> None:
    """A weak hash over CSPRNG output alone is not reported; over anything else it still is."""
    assert flagged == ("crypto.weak-hash" in rules("tokens.py", code))


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        ("resp.set_cookie('csrftoken', t, secure=True)\n", False),
        ("resp.set_cookie(key='XSRF-TOKEN', value=t, secure=True, httponly=False)\n", False),
        ("resp.set_cookie('_csrf', t, secure=True, samesite='Strict')\n", False),
        # hard negatives: "csrf" in the value or a variable, not the cookie's name
        ("resp.set_cookie('session', csrf_token, secure=True)\n", True),
        ("resp.set_cookie(name, 'csrf', secure=True)\n", True),
        ("resp.set_cookie('auth', t, secure=True, httponly=False)\n", True),
    ],
)
def test_csrf_cookie_may_be_readable_by_scripts(code: str, flagged: bool) -> None:
    """Only a cookie named as a CSRF token may skip HttpOnly (double submit needs script access)."""
    assert flagged == ("cookie.no-httponly" in rules("views.py", code))
