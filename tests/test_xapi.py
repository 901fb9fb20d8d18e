"""xAPI export: the statements of the demo class checked strictly (a structural check of
xAPI 1.0.3's required parts, written out below), deterministic ids, and sending them to a
real Learning Record Store: Ralph (ralph-malph on PyPI) with its file-system backend,
started on 127.0.0.1 on a free port; skipped, saying why, where Ralph is not installed.

Ralph is found in the Python named by PLAYLIST_TUI_RALPH_PYTHON (CI makes a venv for it,
see .ci/run), else in the test's own interpreter."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.cli import main
from playlist_tui.interop import xapi
from playlist_tui.store.loader import load_class
from tests.conftest import DEMO

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def check_statement(s: dict[str, Any]) -> None:
    """The parts of an xAPI 1.0.3 statement that its spec requires (section 2.4), checked
    strictly: no key outside the spec's, the right types, IRIs where IRIs go."""
    assert set(s) <= {"id", "actor", "verb", "object", "result", "context", "timestamp",
                      "stored", "authority", "version", "attachments"}, set(s)
    assert UUID.match(s["id"]), s["id"]
    actor = s["actor"]
    assert actor["objectType"] == "Agent" and isinstance(actor["name"], str)
    assert set(actor) == {"objectType", "name", "account"}  # one identifier: the account
    assert set(actor["account"]) == {"homePage", "name"}
    assert actor["account"]["homePage"].startswith("https://")
    assert set(s["verb"]) == {"id", "display"} and s["verb"]["id"].startswith("http")
    assert all(isinstance(v, str) for v in s["verb"]["display"].values())
    obj = s["object"]
    if s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided":  # section 2.3.2
        assert set(obj) == {"objectType", "id"} and obj["objectType"] == "StatementRef"
        assert UUID.match(obj["id"]) and set(s) == {"id", "actor", "verb", "object",
                                                     "timestamp"}
    else:
        assert obj["objectType"] == "Activity" and obj["id"].startswith("http")
        assert set(obj["definition"]) <= {"name", "description", "type"}
        assert obj["definition"]["type"].startswith("http://adlnet.gov/expapi/activities/")
    assert TIMESTAMP.match(s["timestamp"]), s["timestamp"]
    if "result" in s:
        result = s["result"]
        assert set(result) <= {"score", "success", "completion", "response", "duration"}
        if "score" in result:
            score = result["score"]
            assert 0 <= score["scaled"] <= 1 and score["min"] <= score["raw"] <= score["max"]
    if "context" in s:
        assert set(s["context"]) <= {"registration", "instructor", "team",
                                     "contextActivities", "revision", "platform",
                                     "language", "statement", "extensions"}


def test_demo_statements_are_xapi(capsys: pytest.CaptureFixture[str]) -> None:
    data = load_class(DEMO).data
    items = xapi.statements(data, xapi.DEFAULT_HOME)
    kinds = {s["verb"]["display"]["en-US"] for s in items}
    assert kinds == {"completed", "asked", "mastered", "attempted"}
    for s in items:
        check_statement(s)
    assert len({s["id"] for s in items}) == len(items)  # one id per statement
    ticks = sum(len(data.record(sid).student.ticks) for sid in data.records)
    assert sum(1 for s in items if s["verb"]["display"]["en-US"] == "completed") == ticks
    decided = [s for s in items if s["verb"]["display"]["en-US"] in ("mastered", "attempted")]
    assert all(s["context"]["instructor"]["account"]["name"] in data.teachers
               for s in decided)
    assert all(s["result"]["success"] is (s["verb"]["display"]["en-US"] == "mastered")
               for s in decided)
    # the same class gives the same statements, byte for byte
    assert xapi.json_lines(items) == xapi.json_lines(xapi.statements(data, xapi.DEFAULT_HOME))


def test_export_xapi_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.jsonl"
    assert main(["export", "xapi", str(DEMO), "--student", "priya-raman", "-o",
                 str(target), "--home-page", "https://school.example.org/cedar/"]) == 0
    lines = target.read_text().splitlines()
    assert lines and all(json.loads(line)["actor"]["account"]["name"] == "priya-raman"
                         for line in lines)
    assert json.loads(lines[0])["actor"]["account"]["homePage"] == \
        "https://school.example.org/cedar"
    assert f"Wrote {len(lines)} xAPI statements" in capsys.readouterr().err
    assert main(["export", "xapi", str(DEMO), "--student", "nobody"]) == 2
    assert "no student 'nobody'" in capsys.readouterr().err
    assert main(["export", "xapi", str(DEMO), "--home-page", "ftp://x"]) == 2
    assert "is not an http(s) address" in capsys.readouterr().err
    assert main(["export", "xapi", str(DEMO), "--lrs", "not a url"]) == 2
    # an LRS that is not there: a message, no traceback
    port = _free_port()
    assert main(["export", "xapi", str(DEMO), "--student", "priya-raman", "--lrs",
                 f"http://127.0.0.1:{port}/xAPI", "--lrs-auth", "a:b"]) == 1
    assert "cannot reach the LRS" in capsys.readouterr().err


CORRECTIONS = """[decisions]
d1 = { competency = "RP", result = "mastered", by = "lee", at = 2026-10-01T10:00:00Z }
d2 = { supersedes = "d1", result = "not-yet", by = "lee", at = 2026-10-02T10:00:00Z }
d3 = { competency = "RP.1", result = "mastered", level = 4, by = "lee", at = 2026-10-03T10:00:00Z }
d4 = { supersedes = "d3", withdrawn = true, by = "lee", at = 2026-10-04T10:00:00Z }
d5 = { competency = "RP.2", result = "mastered", by = "lee", at = 2026-10-05T10:00:00Z }
"""


def _verb(s: dict[str, Any]) -> str:
    display: str = s["verb"]["display"]["en-US"]
    return display


def test_superseded_and_withdrawn_decisions_are_never_mastered(small_class: Path) -> None:
    """Only the decisions that count say mastered or attempted; a withdrawal says neither;
    the statements the corrected and the withdrawn decisions had before (an LRS may have
    them) are voided, by the teacher who corrected them, when it was done."""
    path = small_class / "students/ana/teacher.toml"
    before_lines = CORRECTIONS.splitlines()
    path.write_text("\n".join(line for line in before_lines if not line.startswith(("d2", "d4")))
                    + "\n")
    earlier = {s["object"]["definition"]["name"]["en-US"]: s for s in xapi.statements(
        load_class(small_class).data, xapi.DEFAULT_HOME, ["ana"]) if _verb(s) == "mastered"}
    assert set(earlier) == {"RP", "Ratio language", "Unit rates"}
    path.write_text(CORRECTIONS)
    items = xapi.statements(load_class(small_class).data, xapi.DEFAULT_HOME, ["ana"])
    for s in items:
        check_statement(s)
    decided = [s for s in items if _verb(s) in ("mastered", "attempted")]
    assert [(_verb(s), s["object"]["definition"]["name"]["en-US"]) for s in decided] == [
        ("attempted", "RP"), ("mastered", "Unit rates")]
    assert decided[1]["id"] == earlier["Unit rates"]["id"]  # it stands: the same statement
    voided = [s for s in items if _verb(s) == "voided"]
    assert sorted(s["object"]["id"] for s in voided) == sorted(
        [earlier["RP"]["id"], earlier["Ratio language"]["id"]])
    for s in voided:
        assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
        assert s["object"]["objectType"] == "StatementRef"
        assert s["actor"]["account"]["name"] == "lee"
    assert {s["timestamp"] for s in voided} == {"2026-10-02T10:00:00.000Z",
                                                "2026-10-04T10:00:00.000Z"}
    assert len({s["id"] for s in items}) == len(items)


# --------------------------------------------------------------------------- a real LRS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ralph_python() -> str | None:
    candidates = [os.environ.get("PLAYLIST_TUI_RALPH_PYTHON", ""), sys.executable]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        found = subprocess.run([python, "-c", "import ralph.api, bcrypt"],
                               capture_output=True, text=True,
                               env=dict(os.environ, RALPH_RUNSERVER_BACKEND="fs"))
        if found.returncode == 0:
            return python
    return None


# Ralph 5.1.0's file-system LRS backend creates its file on every POST and refuses the
# second one ("already exists and overwrite is not allowed"); the server is started with
# the backend appending instead, which is what an LRS does.
_SERVE = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.fixture
def lrs(tmp_path: Path) -> Iterator[tuple[str, str]]:
    python = _ralph_python()
    if python is None:
        pytest.skip("Ralph (pip install 'ralph-malph[backend-fs,cli,lrs]' requests) is not "
                    "installed here; set PLAYLIST_TUI_RALPH_PYTHON to a Python that has it")
    home = tmp_path / "ralph"
    home.mkdir()
    env = dict(os.environ, RALPH_APP_DIR=str(home / "app"), RALPH_AUTH_FILE=str(
        home / "auth.json"), RALPH_RUNSERVER_BACKEND="fs",
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(home / "data"))
    (home / "data").mkdir()
    made = subprocess.run([str(Path(python).parent / "ralph"), "auth", "-u", "teacher", "-p",
                           "s3cret", "-s", "all", "-M", "mailto:teacher@example.org", "-w"],
                          capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    port = _free_port()
    server = subprocess.Popen([python, "-c", _SERVE, str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s for the server to start (a slow CI machine)
            if server.poll() is not None:
                out = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"Ralph stopped: {out[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/__heartbeat__", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("Ralph did not answer within 30 s")
        yield f"{url}/xAPI", "teacher:s3cret"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_send_to_a_real_lrs(lrs: tuple[str, str], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    url, auth = lrs
    data = load_class(DEMO).data
    wanted = xapi.statements(data, xapi.DEFAULT_HOME, ["priya-raman", "yuki-tanaka"])
    assert len(wanted) > 50
    sent = xapi.send(wanted, url, auth, batch=20)  # several batches
    assert sent.sent == len(wanted) and sent.already == 0
    assert sent.batches == -(-len(wanted) // 20)
    stored = xapi.fetch_ids(url, auth)
    assert sorted(stored) == sorted(s["id"] for s in wanted)
    # sending again adds nothing (the same ids), through the command as well
    assert main(["export", "xapi", str(DEMO), "--student", "priya-raman", "--student",
                 "yuki-tanaka", "--lrs", url, "--lrs-auth", auth]) == 0
    err = capsys.readouterr().err
    assert f"Sent 0 statements to {url} in 0 batches; {len(wanted)} were already there" in err
    assert sorted(xapi.fetch_ids(url, auth)) == sorted(s["id"] for s in wanted)
    # one statement as the LRS gives it back is the one sent
    one = wanted[0]
    request = urllib.request.Request(f"{url}/statements?statementId={one['id']}", headers={
        "X-Experience-API-Version": "1.0.3",
        "Authorization": "Basic " + base64.b64encode(auth.encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as answer:
        back = json.loads(answer.read())
    if "statements" in back:  # Ralph 5.1 answers with a list (xAPI says: the statement)
        assert len(back["statements"]) == 1
        back = back["statements"][0]
    assert back["id"] == one["id"] and back["verb"] == one["verb"]
    assert back["object"]["id"] == one["object"]["id"]
    # wrong credentials: a message, exit 1
    assert main(["export", "xapi", str(DEMO), "--student", "priya-raman", "--lrs", url,
                 "--lrs-auth", "teacher:wrong"]) == 1
    assert "refused the credentials" in capsys.readouterr().err


def test_a_correction_voids_what_the_lrs_was_sent(
        lrs: tuple[str, str], small_class: Path) -> None:
    """Sent before the teacher corrected and withdrew two decisions, the two 'mastered'
    statements are voided at the next sending; an LRS takes voiding statements (a real one
    here: Ralph), and one sent before the statement it voids as well."""
    url, auth = lrs
    path = small_class / "students/ana/teacher.toml"
    path.write_text("\n".join(line for line in CORRECTIONS.splitlines()
                              if not line.startswith(("d2", "d4"))) + "\n")
    before = xapi.statements(load_class(small_class).data, xapi.DEFAULT_HOME, ["ana"])
    assert xapi.send(before, url, auth).sent == len(before)
    path.write_text(CORRECTIONS)
    after = xapi.statements(load_class(small_class).data, xapi.DEFAULT_HOME, ["ana"])
    voiding = [s for s in after if _verb(s) == "voided"]
    sent = xapi.send(after, url, auth)
    assert len(voiding) == 2 and sent.sent == len(voiding) + 1  # and d2's 'attempted'
    stored = set(xapi.fetch_ids(url, auth))
    assert {s["id"] for s in voiding} <= stored
    # a class first sent after the correction: the voiding statements are taken too
    other = small_class.parent / "other"
    shutil.copytree(small_class, other)
    fresh = xapi.statements(load_class(other).data, "https://school.example.org/6c",
                            ["ana"])
    assert xapi.send(fresh, url, auth).sent == len(fresh)


_VALIDATE = """
import json, sys
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement
for n, line in enumerate(sys.stdin, 1):
    try:
        BaseXapiStatement(**json.loads(line))
    except ValidationError as exc:
        print(n, " ".join(str(exc).split())[:300])
"""


def test_statements_pass_an_xapi_validator(small_class: Path) -> None:
    """Every statement of the demo class and of a class with corrected decisions (voiding
    statements) passes the xAPI 1.0.3 statement models of Ralph (an LRS's own validator,
    which forbids keys outside the spec); broken ones do not."""
    python = _ralph_python()
    if python is None:
        pytest.skip("Ralph (ralph-malph) is not installed here: its xAPI models validate the "
                    "statements; set PLAYLIST_TUI_RALPH_PYTHON to a Python that has it")
    (small_class / "students/ana/teacher.toml").write_text(CORRECTIONS)
    items = xapi.statements(load_class(DEMO).data, xapi.DEFAULT_HOME) + xapi.statements(
        load_class(small_class).data, xapi.DEFAULT_HOME)
    assert {_verb(s) for s in items} == {"completed", "asked", "mastered", "attempted",
                                         "voided"}
    one = items[0]
    broken = [{k: v for k, v in one.items() if k != "actor"}, {**one, "extra": 1},
              {**one, "verb": {"id": "not an IRI"}}, {**one, "timestamp": "yesterday"}]
    checked = subprocess.run([python, "-c", _VALIDATE], input=xapi.json_lines(
        items + broken), capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr[-2000:]
    failed = checked.stdout.splitlines()
    assert [int(line.split()[0]) for line in failed] == list(
        range(len(items) + 1, len(items) + len(broken) + 1)), failed[:5]


def test_statement_ids_are_uuid5(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    data = load_class(folder).data
    for s in xapi.statements(data, xapi.DEFAULT_HOME, ["priya-raman"]):
        assert uuid.UUID(s["id"]).version == 5
