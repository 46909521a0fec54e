"""Grading coding exercises across a trust boundary: observe inside the sandbox, judge outside.

1. **Observe** (``observe_program``): the learner's code runs in a sandbox child, then the
   observer (``exercises.observation``) evaluates each check's ``observe`` expression there and
   sends back plain JSON. Nothing secret is in that child: no solution, no expected value.
2. **Reference** (``compute_reference``): the reference solution runs alone, in another child,
   through the same observer. Its observations are cached per exercise version, so a submission
   costs one learner run.
3. **Judge** (``judge``): here, in the grading worker, each check's observation is compared
   with the reference's or with the value the check states (``exercises.judging``); a check
   whose author wrote a predicate is judged in a fresh sandbox child that receives only the JSON
   observations. The verdict never depends on anything the learner's process said about itself
   beyond the observations: a lying object can at most produce a wrong observation.

The web process never runs learner code: this module only talks to the sandbox server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from exercises import judging, observation
from runs import sandbox_gateway
from runs.sandbox_gateway import RunResult, SandboxRefused, SandboxUnavailable, client_timeout, socket_path
from sandbox.client import Limits

__all__ = [
    "GRADING_LIMITS",
    "Outcome",
    "ReferenceProblem",
    "RunResult",
    "SandboxRefused",
    "SandboxUnavailable",
    "client_timeout",
    "compute_reference",
    "judge",
    "library_fingerprint",
    "observe_program",
    "ping_sandbox",
    "reference_key",
    "run_predicates",
    "socket_path",
]

# What docs/content-format.md promises for all code: the same limits as any run.
GRADING_LIMITS = sandbox_gateway.RUN_LIMITS
# A judge child runs only the author's predicates over JSON: small and quick.
JUDGE_LIMITS = Limits(cpu_seconds=5.0, wall_seconds=10.0)
MAX_STREAM_CHARS = 64 * 1024
LEARNER_ENDED_EARLY = "Your program ended before its results could be checked (did it call exit?)."


class ReferenceProblem(Exception):
    """The reference solution cannot be observed: a problem for the exercise's author."""


def ping_sandbox() -> dict[str, Any]:
    return sandbox_gateway.check()


def library_fingerprint() -> str:
    """Changes whenever observing or judging changes, so verified exercises are verified again."""
    return f"{observation.library_fingerprint()}-{judging.library_fingerprint()}"


def reference_key(solution: str, checks: list[dict[str, Any]]) -> str:
    """What the cached reference observations depend on: the solution, the expressions, the observer."""
    payload = json.dumps(
        {
            "solution": solution,
            "observe": [c["observe"] for c in checks],
            "observer": observation.library_fingerprint(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def observe_program(code: str, checks: list[dict[str, Any]]) -> RunResult:
    """Run ``code`` then the observer of ``checks`` in a fresh sandbox child.

    Raises SandboxUnavailable / SandboxRefused, or ValueError for a request the server rejects."""
    harness = observation.build_observer([c["observe"] for c in checks])
    return sandbox_gateway.run_code(code, limits=GRADING_LIMITS, harness=harness)


def _observations(result: RunResult, count: int) -> list[dict[str, Any]] | None:
    """The observer's report, validated: one ``{"value"}`` or ``{"error"}`` per check, or None."""
    output = result.harness_output
    if not isinstance(output, dict) or not isinstance(output.get("observations"), list):
        return None
    items = output["observations"]
    if len(items) != count:
        return None
    clean = []
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            return None
        if "value" in item:
            clean.append({"value": item["value"]})
        elif isinstance(item.get("error"), dict):
            error = item["error"]
            clean.append(
                {
                    "error": {
                        "type": str(error.get("type") or "Error")[:80],
                        "message": str(error.get("message") or "")[:300],
                        "name": error.get("name") if isinstance(error.get("name"), str) else None,
                    }
                }
            )
        else:
            return None
    return clean


def _contains_opaque(value: Any) -> str | None:
    if isinstance(value, dict):
        if set(value) == {observation.OPAQUE}:
            return str(value[observation.OPAQUE])
        return next((found for item in value.values() if (found := _contains_opaque(item))), None)
    if isinstance(value, list):
        return next((found for item in value if (found := _contains_opaque(item))), None)
    return None


def compute_reference(solution: str, checks: list[dict[str, Any]]) -> list[Any]:
    """The reference solution's observation for every check, run alone in its own child.

    Raises ReferenceProblem (with a message for the author), SandboxUnavailable, SandboxRefused."""
    result = observe_program(solution, checks)
    if result.status in ("timeout", "killed"):
        raise ReferenceProblem(f"the solution was stopped: {result.kill_message or result.status}")
    if result.status == "error":
        raise ReferenceProblem("the sandbox failed while running the solution")
    if result.status == "failed":
        last = [line for line in (result.error or "").splitlines() if line.strip()]
        where = f" (line {result.error_line} of the solution)" if result.error_line else ""
        raise ReferenceProblem(f"the solution raises {last[-1] if last else 'an error'}{where}")
    observations = _observations(result, len(checks))
    if observations is None:
        detail = f": {result.harness_error.strip().splitlines()[-1]}" if result.harness_error else ""
        raise ReferenceProblem(f"the solution's results could not be observed{detail}")
    values = []
    for check, entry in zip(checks, observations, strict=True):
        if "error" in entry:
            message = judging.observation_error_message(entry["error"], check["observe"])
            raise ReferenceProblem(f"check '{check['name']}': on the solution, {message[:1].lower()}{message[1:]}")
        opaque = _contains_opaque(entry["value"])
        if opaque is not None:
            raise ReferenceProblem(
                f"check '{check['name']}': `{check['observe']}` gives a {opaque} on the solution, which cannot be "
                "compared; observe numbers, text or lists (e.g. a model's params(...) or predictions)"
            )
        values.append(entry["value"])
    return values


@dataclass
class Outcome:
    """What a run means for an attempt."""

    status: str  # "graded" or "error"
    correct: bool
    checks: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""  # why grading ended in an error, for the learner

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["passed"]]


def clip_stream(text: str | None) -> str:
    # A NUL is valid output but PostgreSQL text cannot hold it: shown as its escape instead.
    text = (text or "").replace("\x00", "\\x00")
    return text if len(text) <= MAX_STREAM_CHARS else text[:MAX_STREAM_CHARS] + "\n… (cut)"


def _learner_error_message(result: RunResult) -> str:
    lines = [line for line in (result.error or "").splitlines() if line.strip()]
    what = lines[-1] if lines else "an error"
    where = f" on line {result.error_line}" if result.error_line else ""
    return judging.clip(f"Your code raised {what}{where}, so this check could not run. Fix that error first.")


def _shown(check: dict[str, Any], default: str, *, author: bool, observed: Any = None, expected: Any = None) -> str:
    """The message a failed check shows: hidden checks only what their author wrote."""
    authored = str(check.get("message") or "")
    if authored:
        text = authored.replace("{observed}", judging.describe(observed) if observed is not None else "?")
        if not check["hidden"] or author:
            text = text.replace("{expected}", judging.describe(expected) if expected is not None else "?")
        return judging.clip(text)
    if check["hidden"] and not author:
        return ""
    return judging.clip(default)


def _default_message(check: dict[str, Any], why: str) -> str:
    sentence = (why[:1].upper() if why[:1].isalpha() else why[:1]) + why[1:] + "."
    expression = " ".join(str(check["observe"]).split())
    if expression.isidentifier():
        return f"`{expression}`: {why}."
    return sentence


PredicateRunner = Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None]


def judge(
    result: RunResult,
    checks: list[dict[str, Any]],
    reference: list[Any],
    *,
    author: bool = False,
    predicates: PredicateRunner | None = None,
) -> Outcome:
    """Correct only when every check passed on the learner's observations.

    ``author``: the run verifies a course, so hidden checks keep their messages.
    ``predicates``: runs author predicates in a judge child (``run_predicates`` by default).
    """
    if result.status in ("timeout", "killed"):
        message = result.kill_message or "Your code was stopped before the checks could run."
        return Outcome(status="error", correct=False, message=judging.clip(message))
    if result.status == "error" or result.harness_error:
        return Outcome(status="error", correct=False, message="The code runner failed; please submit again.")
    if result.status == "failed":
        message = _learner_error_message(result)
        failed = [_row(c, False, "" if c["hidden"] and not author else message) for c in checks]
        return Outcome(status="graded", correct=False, checks=failed)
    observations = _observations(result, len(checks))
    if observations is None:
        return Outcome(status="graded", correct=False, checks=[_row(c, False, LEARNER_ENDED_EARLY) for c in checks])

    rows: list[dict[str, Any] | None] = []
    pending: list[tuple[int, dict[str, Any]]] = []
    for index, (check, entry, ref) in enumerate(zip(checks, observations, reference, strict=True)):
        if "error" in entry:
            default = judging.observation_error_message(entry["error"], check["observe"])
            rows.append(_row(check, False, _shown(check, default, author=author)))
        elif check.get("judge"):
            rows.append(None)
            pending.append((index, {"code": check["judge"], "observed": entry["value"], "reference": ref}))
        else:
            expected = check["expect"]["value"] if check.get("expect") else ref
            same, why = judging.compare(entry["value"], expected, close=check.get("close"))
            message = (
                ""
                if same
                else _shown(
                    check, _default_message(check, why), author=author, observed=entry["value"], expected=expected
                )
            )
            rows.append(_row(check, same, message))
    if pending:
        # Raises SandboxUnavailable / SandboxRefused like any run: the attempt is retried.
        verdicts = (predicates or run_predicates)([item for _, item in pending])
        if verdicts is None or len(verdicts) != len(pending):
            return Outcome(
                status="error", correct=False, message="The checks could not be judged; please submit again."
            )
        for (index, item), verdict in zip(pending, verdicts, strict=True):
            check = checks[index]
            if verdict["passed"]:
                message = ""
            elif check["hidden"] and not author and not check.get("message"):
                # A predicate's own expect(cond, "...") text is the author's; a helper's default
                # text may quote the reference, so a hidden check drops it.
                message = judging.clip(verdict["message"]) if verdict["authored"] else ""
            else:
                default = verdict["message"] or "This check failed."
                message = _shown(check, default, author=author, observed=item["observed"], expected=item["reference"])
            rows[index] = _row(check, verdict["passed"], message)
    final = [row for row in rows if row is not None]
    return Outcome(status="graded", correct=all(row["passed"] for row in final), checks=final)


def _row(check: dict[str, Any], passed: bool, message: str) -> dict[str, Any]:
    return {"name": check["name"], "passed": bool(passed), "message": message, "hidden": bool(check["hidden"])}


def run_predicates(items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Judge ``items`` (``{"code", "observed", "reference"}``) in a fresh sandbox child that gets
    only JSON. None when the child did not report a verdict for each."""
    result = sandbox_gateway.run_code("", limits=JUDGE_LIMITS, harness=judging.build_predicate_program(items))
    output = result.harness_output
    if not isinstance(output, dict) or not isinstance(output.get("results"), list):
        return None
    verdicts = []
    for item in output["results"]:
        if not isinstance(item, dict) or not isinstance(item.get("passed"), bool):
            return None
        verdicts.append(
            {
                "passed": item["passed"],
                "message": str(item.get("message") or ""),
                "authored": bool(item.get("authored")),
            }
        )
    return verdicts if len(verdicts) == len(items) else None
