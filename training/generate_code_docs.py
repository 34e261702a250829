"""Benign code-heavy documents: Q&A answers with code and prose, for training only.

Question-and-answer pages with snippets in Python, JavaScript, SQL, shell, Go, Java, YAML and
Dockerfiles, written the way answers are: a sentence of context, a code block, an explanation,
sometimes a second block or a caveat. The snippets are full of words that also occur in attacks
("ignore", "system", "prompt", "password", "override", "admin", "execute", "token"), because
that is what ordinary code looks like. Rows carry `family` "code_docs".
"""

from __future__ import annotations

import random

Row = dict[str, object]

NAMES = ["users", "orders", "accounts", "sessions", "invoices", "events", "admins", "tokens"]
VARS = ["data", "result", "items", "payload", "config", "rows", "resp", "ctx", "cfg", "opts"]
QUESTIONS = [
    "How do I {what} in {lang}?", "{Lang}: {what}?", "Best way to {what}?",
    "Why does my code fail when I try to {what}?", "Is there a cleaner way to {what}?",
]  # fmt: skip
SNIPPETS: list[tuple[str, str, str]] = [
    ("Python", "read a password from the environment instead of hard-coding it",
     "import os\n\n{v} = os.environ.get(\"DB_PASSWORD\")\nif {v} is None:\n    raise SystemExit(\"set DB_PASSWORD first\")"),
    ("Python", "ignore a specific warning",
     "import warnings\n\nwith warnings.catch_warnings():\n    warnings.simplefilter(\"ignore\", DeprecationWarning)\n    {v} = legacy_call()"),
    ("Python", "override a method in a subclass and still call the parent",
     "class Admin(User):\n    def save(self, *args, **kwargs):\n        self.is_admin = True\n        super().save(*args, **kwargs)"),
    ("Python", "prompt the user for input without echoing the password",
     "import getpass\n\npassword = getpass.getpass(prompt=\"Password: \")\nlogin(user, password)"),
    ("Python", "build the system prompt for an OpenAI chat call",
     "messages = [\n    {{\"role\": \"system\", \"content\": SYSTEM_PROMPT}},\n    {{\"role\": \"user\", \"content\": question}},\n]\n{v} = client.chat.completions.create(model=\"gpt-4o-mini\", messages=messages)"),
    ("Python", "execute a shell command and capture output",
     "import subprocess\n\n{v} = subprocess.run([\"ls\", \"-la\"], capture_output=True, text=True, check=True)\nprint({v}.stdout)"),
    ("JavaScript", "ignore case when comparing strings",
     "const same = a.localeCompare(b, undefined, {{ sensitivity: 'base' }}) === 0;\nif (same) console.log('equal, ignoring case');"),
    ("JavaScript", "override the default submit behaviour of a form",
     "form.addEventListener('submit', (e) => {{\n  e.preventDefault();\n  fetch('/api/{t}', {{ method: 'POST', body: new FormData(form) }});\n}});"),
    ("JavaScript", "hash a password before storing it",
     "const bcrypt = require('bcrypt');\nconst hash = await bcrypt.hash(password, 12);\nawait db.{t}.update({{ id }}, {{ passwordHash: hash }});"),
    ("JavaScript", "read the auth token from local storage",
     "const token = localStorage.getItem('token');\nconst {v} = await fetch('/api/me', {{ headers: {{ Authorization: `Bearer ${{token}}` }} }});"),
    ("SQL", "delete duplicate rows but keep the newest",
     "DELETE FROM {t} a\nUSING {t} b\nWHERE a.email = b.email\n  AND a.created_at < b.created_at;"),
    ("SQL", "grant an admin role read-only access",
     "CREATE ROLE report_admin;\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO report_admin;\nREVOKE INSERT, UPDATE, DELETE ON {t} FROM report_admin;"),
    ("SQL", "ignore rows with a NULL password when counting users",
     "SELECT count(*)\nFROM {t}\nWHERE password_hash IS NOT NULL\n  AND disabled = false;"),
    ("shell", "ignore files in git that were already committed",
     "echo 'secrets.env' >> .gitignore\ngit rm --cached secrets.env\ngit commit -m \"stop tracking secrets.env\""),
    ("shell", "run a command as admin without typing the password every time",
     "sudo visudo\n# add this line:\ndeploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart app"),
    ("shell", "override an environment variable for one command",
     "API_URL=http://localhost:8080 TOKEN=dev npm test\n# or\nenv -u HTTP_PROXY curl -s https://example.org/health"),
    ("shell", "kill the process listening on a port",
     "lsof -ti tcp:3000 | xargs kill -9\n# systemd service instead:\nsudo systemctl stop myapp"),
    ("Go", "ignore an error on purpose",
     "f, _ := os.Open(path) // error ignored: the file is optional\ndefer f.Close()"),
    ("Go", "read the admin password from a secret file",
     "b, err := os.ReadFile(\"/run/secrets/admin_password\")\nif err != nil {{\n    log.Fatal(err)\n}}\npassword := strings.TrimSpace(string(b))"),
    ("Java", "override equals and hashCode",
     "@Override\npublic boolean equals(Object o) {{\n    if (this == o) return true;\n    if (!(o instanceof User u)) return false;\n    return id.equals(u.id);\n}}"),
    ("YAML", "pass a secret to a GitHub Actions step",
     "steps:\n  - run: ./deploy.sh\n    env:\n      API_TOKEN: ${{{{ secrets.API_TOKEN }}}}\n      ADMIN_USER: deploy"),
    ("Dockerfile", "run the container as a non-root user",
     "FROM python:3.12-slim\nRUN useradd -m app\nUSER app\nCMD [\"python\", \"-m\", \"server\", \"--ignore-missing-config\"]"),
    ("Python", "write a system prompt template with placeholders",
     "PROMPT = \"\"\"You are a helpful assistant for {{company}}.\nAnswer only questions about {{product}}.\"\"\"\n{v} = PROMPT.format(company=\"Acme\", product=\"routers\")"),
    ("Python", "make pytest ignore a directory",
     "# pytest.ini\n[pytest]\nnorecursedirs = build dist .venv\naddopts = --ignore=tests/legacy"),
]  # fmt: skip
PROSE_BEFORE = [
    "You can do this with the standard library.", "Here's what I use in production:",
    "The simplest approach:", "Try this:", "This works in recent versions:",
    "Accepted answer (edited):", "You're close. Change it like this:", "Something like:",
]  # fmt: skip
PROSE_AFTER = [
    "Note that this ignores edge cases such as empty input.",
    "Never commit the password itself; keep it in the environment or a secret store.",
    "If you need admin rights, run it with sudo, but think twice about that in production.",
    "This overrides the default, so remember to document it for your team.",
    "The system will prompt you once; after that the token is cached.",
    "See the official docs for the full list of options.",
    "Edit: as a commenter pointed out, you should also handle the exception.",
    "Don't disable security checks just to make the error go away.",
    "Tested on Ubuntu 22.04 and macOS 14.",
    "Upvote if this helped!",
]  # fmt: skip


def answer(rng: random.Random) -> str:
    lang, what, code = SNIPPETS[rng.randrange(len(SNIPPETS))]
    code = code.format(v=rng.choice(VARS), t=rng.choice(NAMES))
    q = rng.choice(QUESTIONS).format(what=what, lang=lang, Lang=lang)
    fence = "```" + (lang.lower() if rng.random() < 0.6 else "")
    parts = [
        rng.choice(["", f"Q: {q}\n\n", f"{q}\n\n", f"### {q}\n\n", "Answer:\n"]),
        rng.choice(PROSE_BEFORE) + "\n\n",
        f"{fence}\n{code}\n```\n" if rng.random() < 0.85 else f"    {code.replace(chr(10), chr(10) + '    ')}\n",
        "\n" + rng.choice(PROSE_AFTER),
    ]  # fmt: skip
    if rng.random() < 0.35:
        _, what2, code2 = SNIPPETS[rng.randrange(len(SNIPPETS))]
        code2 = code2.format(v=rng.choice(VARS), t=rng.choice(NAMES))
        parts.append(f"\n\nRelated: to {what2}:\n\n```\n{code2}\n```")
    return "".join(parts)


def generate(seed: int, count: int = 900) -> list[Row]:
    """Benign code answers at every stage: documents and tool results, and pasted by the user."""
    rng = random.Random(seed)
    rows: list[Row] = []
    seen: set[str] = set()
    for _ in range(count * 3):
        if len(rows) >= count:
            break
        text = answer(rng)
        if rng.random() < 0.3:
            text += "\n\n---\n\n" + answer(rng)
        if text in seen:
            continue
        seen.add(text)
        stage = rng.choice(["retrieval", "retrieval", "tool_result", "input"])
        if stage == "input" and rng.random() < 0.5:
            text = rng.choice(["Can you explain this answer?\n\n", "Is this correct?\n\n"]) + text
        rows.append(
            {"text": text, "label": 0, "kind": "code_docs", "stage": stage, "family": "code_docs"}
        )
    return rows
