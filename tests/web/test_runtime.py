"""The serving process's garbage-collector settings (``runtime.tune_gc``), applied by ``wsgi.py``:
what the entry point does, measured from outside; the numbers come from ``runtime``."""

import json
import subprocess
import sys

from quickwin_tracker.web.runtime import GEN0_THRESHOLD


def test_the_wsgi_entry_point_sets_the_collector_for_serving(tmp_path):
    script = ("import gc, json; import quickwin_tracker.wsgi as w; "
              "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], w.app.name]))")
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "test", "QUICKWIN_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    frozen, gen0, name = json.loads(out.strip().splitlines()[-1])
    assert frozen > 10_000  # the modules, the app and its templates: out of the collections
    assert gen0 == GEN0_THRESHOLD
    assert name == "quickwin_tracker"
