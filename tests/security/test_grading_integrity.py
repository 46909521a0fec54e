"""Grading integrity: no submission passes a coding exercise of the shipped course without solving it.

Every coding exercise of content/interpretable-ml is attacked for real, through the public API
(POST /api/v1/exercises/{id}/attempts/, then GET the attempt), by code that knows nothing of
the exercise but the names its starter leaves as ``...``: audit hooks, frame walking, ``gc``
scans, reading /proc/self/mem, objects with lying dunder methods, monkeypatched comparison and
encoding functions, forged result records on every descriptor, early exits, threads, signal
handlers and ``atexit`` hooks. A few exercises get deeper, exercise-aware attacks: reading the
observer's request early and forging its report, observations the judge might choke on,
files planted for later runs, and observations that satisfy a visible predicate but not the
hidden check behind it.

Every attack must leave the attempt not correct, no hidden check passed, and neither a line
of the solution nor a hidden expected value anywhere in the attempt's JSON. The honest
solution still passes. The course is imported once per module without verification; each
exercise's reference observations are computed once, in their own sandbox child, the first
time a test needs them.
"""

from __future__ import annotations

import json
import re
import struct
import textwrap
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
COURSE_DIR = ROOT / "content" / "interpretable-ml"
COURSE_SLUG = "interpretable-ml"

pytestmark = pytest.mark.django_db


# --- the course's coding exercises, read from the files --------------------------------------------
@dataclass
class Coding:
    key: str
    prompt: str
    starter: str
    solution: str
    checks: list[dict[str, Any]]
    placeholders: list[str]
    reference: list[Any] = field(default_factory=list)

    @property
    def hidden(self) -> list[int]:
        return [i for i, check in enumerate(self.checks) if check.get("hidden")]


def _read_coding_exercises() -> dict[str, Coding]:
    found: dict[str, Coding] = {}
    for path in sorted(COURSE_DIR.glob("*/*.md")):
        for block in re.findall(r"^```\{exercise\}\n(.*?)^```", path.read_text(), flags=re.S | re.M):
            data = yaml.safe_load(block)
            if data.get("kind") != "coding":
                continue
            starter = data["starter"]
            # The names a learner is asked to assign: what the starter leaves as `...`.
            placeholders = re.findall(r"^(\w+) = \.\.\.$", starter, flags=re.M)
            found[data["id"]] = Coding(
                data["id"], data["prompt"], starter, data["solution"], data["checks"], placeholders
            )
    return found


CODING = _read_coding_exercises()
KEYS = sorted(CODING)


def test_the_course_has_coding_exercises_to_attack():
    assert len(KEYS) >= 8, KEYS
    assert all(ex.placeholders and ex.hidden for ex in CODING.values()), "every exercise has hidden checks"


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _exercises_only_copy(target: Path) -> Path:
    """The course's files with each page cut down to its front matter and its exercise blocks,
    verbatim: the lab figures and runnable examples of the prose take minutes to import and
    have nothing to do with grading."""
    for source in COURSE_DIR.rglob("*"):
        if source.is_dir():
            continue
        destination = target / source.relative_to(COURSE_DIR)
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text()
        if source.suffix == ".md":
            front = re.match(r"---\n.*?\n---\n", text, flags=re.S)
            blocks = re.findall(r"^```\{exercise\}\n.*?^```\n", text, flags=re.S | re.M)
            text = (front.group(0) if front else "") + "\n" + "\n".join(blocks)
        destination.write_text(text)
    return target


@pytest.fixture(scope="module")
def course_ids(django_db_setup, django_db_blocker, sandbox_server, tmp_path_factory) -> Any:
    """The shipped course's exercises imported once for this module (not verified: the
    reference observations are computed lazily)."""
    from courseware.models import Course
    from exercises.models import Exercise

    folder = _exercises_only_copy(tmp_path_factory.mktemp("course") / COURSE_SLUG)
    with django_db_blocker.unblock():
        call_command("import_course", str(folder), "--no-verify", verbosity=0)
        ids = dict(Exercise.objects.filter(course__slug=COURSE_SLUG, key__in=KEYS).values_list("key", "id"))
    yield ids
    with django_db_blocker.unblock():
        Course.objects.filter(slug=COURSE_SLUG).delete()


_REFERENCES: dict[str, list[Any]] = {}


def reference_of(key: str, exercise_id: int) -> list[Any]:
    """The reference observations, computed once per module in a child that runs only the
    solution, and cached on the exercise row as grading expects them."""
    from exercises import grading
    from exercises.models import Exercise

    exercise = Exercise.objects.get(pk=exercise_id)
    if key not in _REFERENCES:
        _REFERENCES[key] = grading.compute_reference(exercise.solution_code, exercise.checks)
    Exercise.objects.filter(pk=exercise_id).update(
        reference_observations=_REFERENCES[key],
        reference_key=grading.reference_key(exercise.solution_code, exercise.checks),
    )
    CODING[key].reference = _REFERENCES[key]
    return _REFERENCES[key]


@pytest.fixture
def learner_api(django_user_model):
    """A learner without a password (hashing one costs seconds on a busy machine), with a token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from tests.plugins.schema import SchemaCheckedAPIClient

    user = django_user_model.objects.create_user(username="mallory", email="mallory@example.org", password=None)
    client = SchemaCheckedAPIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def attempt(course_ids, learner_api, django_capture_on_commit_callbacks):
    """Submit code to an exercise as the learner, grade it (eagerly), return the attempt's JSON."""

    def submit(key: str, code: str) -> dict[str, Any]:
        reference_of(key, course_ids[key])
        with django_capture_on_commit_callbacks(execute=True):
            response = learner_api.post(f"/api/v1/exercises/{course_ids[key]}/attempts/", {"code": code})
        assert response.status_code == 202, response.content
        body = learner_api.get(response.json()["url"]).json()
        assert body["status"] in {"graded", "error"}, body
        return body

    return submit


# --- what must hold after every attack -----------------------------------------------------------------
def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def secrets_of(ex: Coding) -> list[str]:
    """Text that would betray the solution or a hidden expected value if it reached an attempt."""
    secrets = []
    for line in ex.solution.splitlines():
        line = line.strip()
        if len(line) >= 12 and line not in ex.starter and line not in ex.prompt:
            secrets.append(line)
    for index in ex.hidden:
        value = ex.reference[index]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            secrets += [json.dumps(value), repr(value)]
        for leaf in _leaves(value):
            if isinstance(leaf, float) and len(repr(leaf)) >= 8:
                secrets += [repr(leaf), f"{leaf:.10g}"]
        if isinstance(value, str) and len(value) >= 4:  # a class name inside a dict is no secret
            secrets.append(value)
    return secrets


def memory_needles(ex: Coding) -> list[bytes]:
    """What a scan of the learner's memory must not find: the longest lines of the solution, and
    hidden expected numbers as the 8 bytes of a double (computed, never printed)."""
    lines = sorted((line for line in secrets_of(ex) if line in ex.solution), key=len, reverse=True)
    needles = [line.encode() for line in lines[:MAX_LINE_NEEDLES]]
    numbers = [leaf for index in ex.hidden for leaf in _leaves(ex.reference[index]) if isinstance(leaf, float)]
    # A fraction with a small denominator (an accuracy of 13/15) is in any process's memory by
    # chance and would prove nothing; a few numbers are enough, and each costs a pass of the scan.
    numbers = [x for x in numbers if float(Fraction(x).limit_denominator(1000)) != x]
    return needles + [struct.pack("<d", x) for x in numbers[:MAX_NUMBER_NEEDLES]]


MAX_LINE_NEEDLES = 4  # the longest lines of the solution: the least likely to occur by chance
MAX_NUMBER_NEEDLES = 4


def halves(needle: bytes) -> tuple[str, str]:
    middle = len(needle) // 2
    return needle[:middle].hex(), needle[middle:].hex()


def assert_not_fooled(ex: Coding, body: dict[str, Any]) -> None:
    assert body["correct"] is False and not body["score"], body
    passed_hidden = [c["name"] for c in body["checks"] if c["hidden"] and c["passed"]]
    assert not passed_hidden, f"hidden checks passed without solving: {passed_hidden}"
    text = json.dumps(body, ensure_ascii=False)
    leaked = [secret for secret in secrets_of(ex) if secret in text]
    assert not leaked, f"the attempt carries the solution or a hidden expected value: {leaked}"
    for feedback in body["feedback"]:
        assert "internal error" not in feedback["message"], "grading crashed on this submission"


# --- the attacks -----------------------------------------------------------------------------------------
# Shared by every attack: notes what it finds on stderr (capped well under the stream's limit),
# walks frames, and plants objects in the names the starter leaves as `...`.
PRELUDE = r'''
import atexit, builtins, gc, json, math, os, signal, sys, threading
PLACEHOLDERS = __PLACEHOLDERS__
WORDS = ("ref", "expect", "solution", "answer", "secret", "judge", "nonce", "harness", "check", "hidden")
LOOT = []
BUDGET = [30000]
ERR = sys.stderr

def note(tag, value):
    try:
        text = repr(value)
    except BaseException as exc:
        text = "<" + type(value).__name__ + ": " + type(exc).__name__ + ">"
    LOOT.append(value)
    line = "[" + tag + "] " + text[:300] + "\n"
    if BUDGET[0] > len(line):
        BUDGET[0] -= len(line)
        try:
            ERR.write(line)
        except BaseException:
            pass

def walk(frame=None):
    """Every frame up from here, and every thread's: note whatever looks like an answer."""
    if BUDGET[0] < 2000:
        return
    starts = [frame or sys._getframe(1)] + list(sys._current_frames().values())
    seen = set()
    for f in starts:
        while f is not None and id(f) not in seen:
            seen.add(id(f))
            consts = [c for c in f.f_code.co_consts if isinstance(c, str)]
            note("frame", (f.f_code.co_filename, f.f_code.co_name, consts[:5]))
            for scope in (f.f_locals, f.f_globals):
                for key, value in list(scope.items()):
                    if any(w in str(key).lower() for w in WORDS):
                        note(f.f_code.co_name + "." + str(key), value)
            f = f.f_back

def stolen_number(default=0.5):
    for value in reversed(LOOT):
        if isinstance(value, float) and not isinstance(value, Liar):
            return float.__float__(value)
    return default

class Liar(float):
    """A number that says yes to everything and looks around whenever it is asked anything."""
    def __new__(cls, value=0.5):
        return super().__new__(cls, value)
    def _look(self):
        walk(sys._getframe(2))
    def __eq__(self, other):
        self._look(); note("compared-with", other); return True
    def __ne__(self, other):
        self._look(); return False
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __hash__(self): return 0
    def __bool__(self):
        self._look(); return True
    def __float__(self):
        self._look(); return stolen_number()
    def __int__(self):
        self._look(); return 1
    __index__ = __int__
    def __str__(self):
        self._look(); return "liar"
    __repr__ = __str__
    def __format__(self, spec): return "liar"
    def __len__(self):
        self._look(); return 3
    def __iter__(self):
        self._look(); return iter([Liar(), Liar(), Liar()])
    def __getitem__(self, key):
        self._look(); return Liar()
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._look(); return Liar()
    def __call__(self, *args, **kwargs):
        self._look(); return Liar()
    def __array__(self, dtype=None, copy=None):
        self._look()
        import numpy
        return numpy.full(3, stolen_number())
    def get_params(self, deep=True):
        self._look(); return {"max_depth": 2, "random_state": 0}
    @property
    def __class__(self):
        return float

def plant(make):
    for index, name in enumerate(PLACEHOLDERS):
        globals()[name] = make(index)
'''


def attack_code(ex: Coding, body: str, **values: Any) -> str:
    code = PRELUDE.replace("__PLACEHOLDERS__", repr(ex.placeholders)) + textwrap.dedent(body)
    for name, value in values.items():
        code = code.replace(f"__{name.upper()}__", repr(value))
    return code


GENERIC: dict[str, str] = {
    # An audit hook that prints every source compiled after it (the observer's too) and walks
    # the frames of every exec; lying numbers stand in for the answers.
    "audit_hook": """
        def hook(event, args):
            if event == "compile" and args and isinstance(args[0], (str, bytes)):
                source = args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0]
                note("compiled", source[-2000:])
            elif event in ("exec", "open", "os.system", "subprocess.Popen"):
                note("event " + event, args)
                walk(sys._getframe(1))
        sys.addaudithook(hook)
        plant(lambda i: Liar())
    """,
    # Objects of every lying kind: subclasses of float, str, dict, list and ndarray whose dunder
    # methods claim equality, walk the frames and spoof their class.
    "lying_objects": """
        import numpy

        class LyingStr(str):
            def __eq__(self, other):
                walk(); return True
            def __hash__(self): return 0
            def __str__(self):
                walk(); return "liar"
            @property
            def __class__(self): return str

        class LyingDict(dict):
            def items(self):
                walk(); return [("max_depth", 2)]
            def keys(self): return ["max_depth"]
            def __iter__(self): return iter(["max_depth"])
            def __getitem__(self, key): return Liar()
            def __len__(self): return 1
            def __eq__(self, other): return True

        class LyingList(list):
            def __iter__(self):
                walk(); return iter([Liar(), Liar(), Liar()])
            def __len__(self): return 3
            def __getitem__(self, key): return Liar()
            def __eq__(self, other): return True

        class LyingArray(numpy.ndarray):
            def tolist(self):
                walk(); return [stolen_number()] * 3
            def __eq__(self, other):
                walk(); return numpy.ones(3, dtype=bool)
            def __array__(self, dtype=None, copy=None):
                walk(); return numpy.full(3, stolen_number())
            @property
            def shape(self): return (5, 20)

        kinds = [lambda: Liar(), lambda: LyingStr("liar"), lambda: LyingDict(a=1), lambda: LyingList([1]),
                 lambda: numpy.zeros(3).view(LyingArray)]
        plant(lambda i: kinds[i % len(kinds)]())
    """,
    # Comparison and encoding functions replaced everywhere the observer might look.
    "monkeypatch": """
        import numpy, operator, json.encoder
        yes = lambda *a, **k: True
        for name in ("allclose", "array_equal", "array_equiv", "isclose", "all", "any", "isfinite"):
            setattr(numpy, name, yes)
        numpy.asarray = lambda *a, **k: numpy.full(3, 0.5)
        math.isclose = math.isnan = math.isinf = math.isfinite = yes
        operator.eq = yes
        real_dumps, real_loads = json.dumps, json.loads
        json.dumps = lambda obj, *a, **k: real_dumps({"observations": [{"value": True}] * 9})
        json.loads = lambda text, *a, **k: ["True"] * len(real_loads(text)) if "[" in str(text)[:5] else real_loads(text)
        json.JSONEncoder.default = lambda self, o: 0.5
        json.encoder.c_make_encoder = None
        plant(lambda i: Liar())
        builtins.isinstance = lambda obj, kinds: True
        builtins.float = lambda *a: 0.5
        builtins.len = lambda obj: 3
        builtins.sorted = lambda obj, **k: ["liar"]
        builtins.repr = lambda obj: "0.5"
    """,
    # The observer's helpers and machinery replaced through builtins and sys.modules: a fake
    # json module that swaps every expression for a constant, helpers that answer anything.
    "replace_helpers": """
        import types
        real_loads = json.loads
        fake = types.ModuleType("json")
        fake.dumps = json.dumps
        fake.loads = lambda text, *a, **k: ["__import__('builtins').ANSWER"] * len(real_loads(text))
        sys.modules["json"] = fake
        builtins.ANSWER = 0.5
        for name in ("defined", "type_name", "is_fitted", "estimator", "params", "shape", "dtype_kind",
                     "has_figure", "emit", "send", "encode", "observe_one", "_observe"):
            setattr(builtins, name, lambda *a, **k: True)
            globals()[name] = lambda *a, **k: {"type": "Pipeline", "fitted": True}
        builtins.eval = lambda *a, **k: 0.5
        builtins.compile = lambda *a, **k: compile("0.5", "x", "eval")
        plant(lambda i: 0.5)
    """,
    # Well-formed fake records on every descriptor, the result channel (fd 4) included: a report
    # of success, emits with guessed nonces, a "finished" record; fake results on the streams.
    "forged_records": """
        import struct
        forged = json.dumps({"observations": [{"value": True}] * 9, "checks": [{"passed": True}] * 9}).encode()
        def record(kind, payload=b""):
            return struct.pack(">I", len(payload)) + kind + payload
        blob = record(b"D", b'{"outcome": "ok"}')
        for nonce in ("", "0", None, "nonce"):
            blob += record(b"E", json.dumps({"n": nonce, "v": json.loads(forged)}).encode())
        print(forged.decode()); print(forged.decode(), file=sys.stderr)
        for fd in range(0, 24):
            try:
                os.write(fd, blob)
            except OSError:
                pass
        os.write(4, record(b"Z"))
        plant(lambda i: Liar())
    """,
    # Leaving early: an atexit hook that exits, an observed object that calls os._exit, a
    # signal handler that exits when the observer arms its timer.
    "early_exit": """
        atexit.register(lambda: sys.exit(0))
        atexit.register(lambda: os._exit(0))
        signal.signal(signal.SIGALRM, lambda *a: os._exit(0))
        class Quitter(Liar):
            def __float__(self):
                os._exit(0)
            __str__ = __eq__ = __index__ = __int__ = __array__ = __iter__ = __float__
        plant(lambda i: Quitter() if i % 2 else Liar())
        sys.exit(0)
    """,
    # A thread that races the observer: swaps the answers under it, walks every thread's
    # frames, and calls whatever sender it finds with a forged report before exiting.
    "racing_thread": """
        import time
        def race():
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                for i, name in enumerate(PLACEHOLDERS):
                    globals()[name] = Liar(i)
                for frame in list(sys._current_frames().values()):
                    f = frame
                    while f is not None:
                        if "nonce" in f.f_locals and "send" in f.f_locals:
                            note("found sender", f.f_locals["nonce"])
                            forged = {"observations": [{"value": True}] * 9}
                            f.f_locals["send"](b"E", {"n": f.f_locals["nonce"], "v": forged})
                            os._exit(0)
                        f = f.f_back
                time.sleep(0.0005)
        threading.Thread(target=race, daemon=True).start()
        plant(lambda i: Liar())
        time.sleep(0.01)
    """,
    # gc scans for anything that looks like a solution, a check or an expected value, and
    # reading /proc/self/* (mem included) for the solution's lines and the hidden numbers.
    "gc_and_proc_scan": """
        # Each needle arrives as two hex halves and is never put together here: a whole copy in
        # this process would be found by the scan itself.
        NEEDLES = [(bytes.fromhex(a), bytes.fromhex(b)) for a, b in __NEEDLES__]
        CONTROL_TEXT = ("gbcontrol-" + "7f3a9c1e").encode()  # whole on purpose: the scan must find it
        CONTROL = (b"gbcontrol-", b"7f3a9c1e")

        def scan_gc():
            for obj in gc.get_objects():
                if isinstance(obj, dict) and any(k in obj for k in ("solution", "expect", "reference", "checks")):
                    note("gc dict", obj)
                elif isinstance(obj, (list, tuple)):
                    for item in obj[:50]:
                        if isinstance(item, str) and ("solution" in item or "reference" in item):
                            note("gc text", item[:200])
            for referrer in gc.get_referrers(*[v for v in globals().values() if isinstance(v, Liar)][:1]):
                note("referrer", type(referrer).__name__)

        def scan_memory(when):
            found = set()
            def look(data):
                # bytes.find runs at memory speed; a regex alternation of the needles is too
                # slow to cover a whole process within the run's wall clock.
                for head, tail in NEEDLES + [CONTROL]:
                    if (head, tail) in found:
                        continue
                    at = data.find(head)
                    while at >= 0:
                        if data.startswith(tail, at + len(head)):
                            found.add((head, tail))
                            break
                        at = data.find(head, at + 1)
            with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as mem:
                for line in maps:
                    fields = line.split()
                    # Whatever a run received or built is in writable memory; read-only maps
                    # are the code and constants of the zygote's libraries.
                    if "r" not in fields[1] or "w" not in fields[1]:
                        continue
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    for offset in range(start, end, 1 << 24):
                        try:
                            mem.seek(offset)
                            look(mem.read(min((1 << 24) + 256, end - offset)))
                        except (OSError, OverflowError, ValueError):
                            break
            for name in ("environ", "cmdline", "status", "stack", "auxv"):
                try:
                    look(open("/proc/self/" + name, "rb").read())
                except OSError:
                    pass
            for fd in (0, 3):
                try:
                    os.set_blocking(fd, False)
                    look(os.read(fd, 1 << 16))
                except OSError:
                    pass
            leaked = sorted(i for i, needle in enumerate(NEEDLES) if needle in found)
            print(when, "control found:", CONTROL in found, "leaked:", leaked)

        scan_gc()
        done = []
        def hook(event, args):
            if event == "exec" and not done:
                done.append(1)
                scan_gc()
                scan_memory("observing")
        sys.addaudithook(hook)
        plant(lambda i: Liar())
    """,
}


@pytest.mark.parametrize("key", KEYS)
def test_the_honest_solution_passes(attempt, key):
    body = attempt(key, CODING[key].solution)
    assert body["status"] == "graded" and body["correct"] is True, body["checks"]
    assert all(check["passed"] for check in body["checks"])


@pytest.mark.parametrize("name", sorted(GENERIC))
@pytest.mark.parametrize("key", KEYS)
def test_generic_attack_does_not_pass(attempt, course_ids, key, name):
    ex = CODING[key]
    reference_of(key, course_ids[key])  # the needles include the hidden expected values
    needles = [halves(needle) for needle in memory_needles(ex)] if name == "gc_and_proc_scan" else []
    body = attempt(key, attack_code(ex, GENERIC[name], needles=needles))
    assert_not_fooled(ex, body)
    if name == "gc_and_proc_scan":
        # The scan worked (it found its own control string) and found nothing of the solution.
        lines = [line for line in body["stdout"].splitlines() if "control found" in line]
        assert lines == ["observing control found: True leaked: []"], (lines, body["stderr"][-2000:], body["feedback"])


# --- deeper attacks on a few exercises --------------------------------------------------------------------
TOP = "c1-shallow-tree-top-feature"

FORGE_GUESS = """
    def forge(expression):
        if expression.startswith("estimator"):
            return {"type": "DecisionTreeClassifier", "fitted": True}
        if expression.startswith("params"):
            return {"max_depth": 2, "random_state": 0}
        return __GUESS__
"""

FORGE_NESTED = """
    sys.setrecursionlimit(100000)
    nested = "x"
    for _ in range(__DEPTH__):
        nested = [nested]
    def forge(expression):
        return nested
"""

# Claim the learner's code is done, so the observer's request (and its nonce) arrives while the
# code still runs; then report ``forge``'s observations under that nonce and leave.
READ_REQUEST_EARLY = """
    from sandbox.protocol import EMIT, FINISHED, LEARNER_DONE, read_message_fd, write_record
    write_record(4, LEARNER_DONE, b'{"outcome": "ok"}')
    message = read_message_fd(3)
    nonce = message["nonce"]
    call = message["harness"].rstrip().splitlines()[-1]
    expressions = json.loads(json.loads(call[len("_observe("):-1]))
    print("expressions:", expressions)
    report = {"observations": [{"value": forge(e)} for e in expressions]}
    write_record(4, EMIT, json.dumps({"n": nonce, "v": report}).encode())
    write_record(4, FINISHED)
    os._exit(0)
"""


def test_forging_the_observers_report_gains_only_what_the_learner_could_compute(attempt):
    ex = CODING[TOP]
    body = attempt(TOP, attack_code(ex, FORGE_GUESS + READ_REQUEST_EARLY, guess="mean radius"))
    assert_not_fooled(ex, body)
    # The forged report was taken at its word: the visible checks the prompt spells out pass,
    # the hidden one is judged against the reference the child never saw.
    assert [c["passed"] for c in body["checks"]] == [True, True, False]
    assert body["checks"][2]["message"] == "That is not the feature with the largest importance."


@pytest.mark.parametrize("depth", [200, 950, 5000])
def test_deeply_nested_forged_observations_are_not_correct_and_break_nothing(attempt, depth):
    ex = CODING[TOP]
    body = attempt(TOP, attack_code(ex, FORGE_NESTED + READ_REQUEST_EARLY, depth=depth))
    assert_not_fooled(ex, body)


@pytest.mark.parametrize(
    ("key", "names", "value"),
    [
        ("c5-spline-gam-bmi", ["bmi_effect", "test_r2"], "10 ** 400"),
        ("c4-tree-depth-coding", ["cv_scores"], "[10 ** 400] * 8"),
        ("c3-odds-ratio-coding", ["odds_ratios"], "[-(10 ** 400)] * 3"),
        ("c5-spline-gam-bmi", ["bmi_effect"], "float('nan')"),
        ("c5-spline-gam-bmi", ["bmi_effect"], "float('inf')"),
        ("c5-spline-gam-bmi", ["bmi_effect"], "{'$float': 'bogus'}"),
        ("c3-odds-ratio-coding", ["odds_ratios"], "[{'$float': 'nan'}] * 3"),
        ("c3-odds-ratio-coding", ["odds_ratios"], "{'$object': 'ndarray'}"),
        ("c4-tree-depth-coding", ["cv_scores"], "[{'$ellipsis': True}] * 8"),
        ("c8-knn-boundary", ["scores"], "{1: 10 ** 400, 5: None, 15: [], 50: {'$float': 'inf'}}"),
    ],
)
def test_observations_the_judge_might_choke_on(attempt, key, names, value):
    ex = CODING[key]
    code = "".join(f"{name} = {value}\n" for name in names)
    body = attempt(key, attack_code(ex, code))
    assert_not_fooled(ex, body)
    assert body["status"] == "graded", body["feedback"]


ICE = "c7-ice-by-hand"


def test_consistent_made_up_curves_pass_the_visible_predicate_but_not_the_hidden_check(attempt):
    ex = CODING[ICE]
    code = "import numpy as np\nice = np.ones((5, 20)) * 0.5\npd_curve = np.mean(ice, 0)\n"
    body = attempt(ICE, attack_code(ex, code))
    assert_not_fooled(ex, body)
    by_name = {c["name"]: c for c in body["checks"]}
    assert by_name["ice has one curve per row"]["passed"] and by_name["pd_curve is the average of the curves"]["passed"]
    assert not by_name["the ICE values are correct"]["passed"]


@pytest.mark.parametrize(
    "code",
    [
        "ice = {'a': 1}\npd_curve = 'x'\n",
        "ice = [['a'] * 20] * 5\npd_curve = [0.5] * 20\n",
        "ice = [[10 ** 400] * 20] * 5\npd_curve = [10 ** 400] * 20\n",
        "ice = [[]]\npd_curve = []\n",
        "import numpy as np\nice = np.full((5, 20), np.nan)\npd_curve = np.full(20, np.nan)\n",
    ],
)
def test_observations_that_break_the_predicate_say_nothing_of_the_reference(attempt, code):
    ex = CODING[ICE]
    body = attempt(ICE, attack_code(ex, code))
    assert_not_fooled(ex, body)
    predicate = next(c for c in body["checks"] if c["name"] == "pd_curve is the average of the curves")
    reference_pd = json.dumps(ex.reference[ex.checks.index(next(c for c in ex.checks if "judge" in c))]["pd"])
    assert reference_pd[1:12] not in predicate["message"]


PLANT_FILES = """
    # Files for whatever runs next: modules that shadow what a solution or the observer imports,
    # start-up hooks, and a note for a later run to find.
    payload = "import builtins\\nbuiltins.PLANTED = True\\nANSWER = 'mean radius'\\n"
    for folder in ("/tmp", os.path.expanduser("~"), "/dev/shm", os.getcwd(), "/var/tmp"):
        for module in ("sitecustomize", "usercustomize", "json", "numpy", "sklearn", "hashlib", "contextlib"):
            try:
                with open(os.path.join(folder, module + ".py"), "w") as out:
                    out.write(payload)
            except OSError as exc:
                note("plant", (folder, type(exc).__name__))
    print("planted before:", getattr(builtins, "PLANTED", False), os.path.exists("/tmp/json.py") and "seen")
    top_feature = "mean radius"
    tree = Liar()
"""


def test_files_planted_for_later_runs_poison_neither_the_reference_nor_the_judge(attempt, course_ids):
    from exercises.models import Exercise

    ex = CODING[TOP]
    first = attempt(TOP, attack_code(ex, PLANT_FILES))
    assert_not_fooled(ex, first)
    # The reference is computed again after the planting: it must be the same.
    reference = list(_REFERENCES.pop(TOP))
    second = attempt(TOP, attack_code(ex, PLANT_FILES))
    assert_not_fooled(ex, second)
    assert _REFERENCES[TOP] == reference
    assert "planted before: False" in second["stdout"]
    assert Exercise.objects.get(pk=course_ids[TOP]).reference_observations == reference
    honest = attempt(TOP, ex.solution)
    assert honest["correct"] is True


SIGNALS = """
    # A timer firing throughout the observation, its handler raising, forging and exiting.
    count = [0]
    def handler(signum, frame):
        count[0] += 1
        walk(frame)
        if count[0] > 50:
            os._exit(0)
        raise KeyboardInterrupt
    for sig in (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGUSR1, signal.SIGTERM):
        signal.signal(sig, handler)
    signal.setitimer(signal.ITIMER_VIRTUAL, 0.001, 0.001)
    signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
    class Sleeper(Liar):
        def __str__(self):
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
            return "mean radius"
    plant(lambda i: Sleeper())
"""


def test_signal_handlers_and_timers_during_observation(attempt):
    ex = CODING[TOP]
    body = attempt(TOP, attack_code(ex, SIGNALS))
    assert_not_fooled(ex, body)


EXCEPTIONS = """
    # Observed objects that raise what the observer might not expect: SystemExit,
    # KeyboardInterrupt, GeneratorExit, exceptions whose text is huge or whose __str__ raises.
    class Weird(BaseException):
        def __str__(self):
            walk()
            raise RuntimeError("no")
    raisers = [SystemExit(0), KeyboardInterrupt(), GeneratorExit(), Weird(), ValueError("x" * 10 ** 6), RecursionError()]
    class Raiser(Liar):
        def __init__(self, exc):
            self.exc = exc
        def __new__(cls, exc):
            return super().__new__(cls, 0.5)
        def __str__(self):
            raise self.exc
        __float__ = __int__ = __index__ = __array__ = __iter__ = __eq__ = __str__
    plant(lambda i: Raiser(raisers[i % len(raisers)]))
    tree = Raiser(SystemExit(0))
"""


def test_observed_objects_that_raise_anything(attempt):
    ex = CODING[TOP]
    body = attempt(TOP, attack_code(ex, EXCEPTIONS))
    assert_not_fooled(ex, body)
    assert body["status"] == "graded"


FORK = """
    # A forked copy of the process races the observer with its own report.
    class Forker(Liar):
        def __str__(self):
            if os.fork() == 0:
                return "mean radius"
            os.wait()
            return "worst texture"
    plant(lambda i: Forker())
"""


def test_a_fork_during_observation_gains_nothing(attempt):
    ex = CODING[TOP]
    body = attempt(TOP, attack_code(ex, FORK))
    assert_not_fooled(ex, body)
