"""The settings contract: `.env.example` lists every variable, and production refuses to start unsafe."""

import os
import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILES = [
    BASE_DIR / "config" / "settings.py",
    *sorted((BASE_DIR / "config" / "settings").glob("*.py")),
]
ENV_READ = re.compile(
    r"""\benv(?:\.\w+)?\(\s*["'](?P<a>[A-Z][A-Z0-9_]*)["']"""
    r"""|os\.(?:environ\.get|getenv)\(\s*["'](?P<b>[A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["'](?P<c>[A-Z][A-Z0-9_]*)["']"""
)
# "NAME=value", or commented out as "# NAME=value" for a variable that is optional.
ENV_EXAMPLE_ENTRY = re.compile(r"^\s*#?\s*(?P<name>[A-Z][A-Z0-9_]*)=", re.MULTILINE)
PRODUCTION_SECRET = "k3T9-vQ2zR8wN5pL7xB1mY4cH6dF0jS_" * 2  # 64 varied characters, as Django wants

# Runs Django in a child with only the variables given: a developer's `.env` must not leak in, so
# django-environ's reading of it is switched off there.
CHILD_PRELUDE = "import environ; environ.Env.read_env = staticmethod(lambda *args, **kwargs: None); "


def _variables_read_by_settings() -> set[str]:
    names = set()
    for path in SETTINGS_FILES:
        for match in ENV_READ.finditer(path.read_text()):
            names.add(match["a"] or match["b"] or match["c"])
    return names


def _variables_in_env_example() -> set[str]:
    return set(ENV_EXAMPLE_ENTRY.findall((BASE_DIR / ".env.example").read_text()))


def _run_django(code: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "APP_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD_PRELUDE + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_variables_are_found_by_the_scan():
    names = _variables_read_by_settings()

    assert {"APP_ENV", "DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL"} <= names


def test_env_example_lists_every_variable_settings_read():
    missing = _variables_read_by_settings() - _variables_in_env_example()

    assert not missing, f".env.example does not list: {', '.join(sorted(missing))}"


def test_production_without_secret_key_fails_at_start_naming_it(tmp_path):
    result = _run_django(
        "import django; django.setup()",
        tmp_path,
        APP_ENV="production",
        DJANGO_ALLOWED_HOSTS="school.example.org",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_with_secret_and_hosts_passes_deploy_checks(tmp_path):
    result = _run_django(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        tmp_path,
        APP_ENV="production",
        DJANGO_SECRET_KEY=PRODUCTION_SECRET,
        DJANGO_ALLOWED_HOSTS="school.example.org",
        DJANGO_DEBUG="false",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
