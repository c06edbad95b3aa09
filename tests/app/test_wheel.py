"""The app runs from a built wheel: templates, static files, migrations and compiled catalogs are
inside it. Builds the wheel without network (no build isolation), installs it into a fresh venv
whose dependencies come from the test venv, and serves the login page from there."""

import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True, capture_output=True, cwd=ROOT,
    )
    (built,) = out.glob("quickwin_tracker-*.whl")
    return built


def test_wheel_holds_templates_static_migrations_and_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "quickwin_tracker/templates/base.html",
        "quickwin_tracker/templates/board/index.html",
        "quickwin_tracker/static/vendor/htmx-2.0.11.min.js",
        "quickwin_tracker/static/vendor/Sortable-1.15.7.min.js",
        "quickwin_tracker/static/css/app.css",
        "quickwin_tracker/migrations/env.py",
        "quickwin_tracker/migrations/versions/0001_initial_schema.py",
        "quickwin_tracker/translations/id/LC_MESSAGES/messages.mo",
    ):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_serves_the_login_page(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Dependencies come from the test venv (plain path: its .pth files, incl. the editable
    # install of this checkout, are not processed).
    (next(env_dir.glob("lib/python*/site-packages")) / "deps.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
                   check=True, cwd=tmp_path)
    script = f"""
import quickwin_tracker, pathlib
from flask_migrate import upgrade
from quickwin_tracker import create_app
assert pathlib.Path(quickwin_tracker.__file__).is_relative_to({str(env_dir)!r}), quickwin_tracker.__file__
app = create_app({{"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/w.sqlite3"}})
assert app.template_folder.startswith({str(env_dir)!r}), app.template_folder
with app.app_context():
    upgrade()
client = app.test_client()
page = client.get("/auth/login")
assert page.status_code == 200, page.status_code
assert "Masuk" in page.get_data(as_text=True)
assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
print("ok")
"""
    result = subprocess.run([python, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
    cli = subprocess.run([env_dir / "bin" / "quickwin", "--help"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert cli.returncode == 0 and "seed-demo" in cli.stdout
