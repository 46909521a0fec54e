"""The ```{runnable} directive: an example the reader can edit and run.

parse: the body must compile as Python. verify: every example runs once in the sandbox (a
stored successful output is reused when the page/index still has the same code), and one
that does not succeed fails the import at its file:line. sync: Runnable rows keyed by
(page, index) with the verified output. render: the widget, pre-filled with that output.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from courseware.directives import Directive, DirectiveBlock, DirectiveError, ParseContext, Reporter
from runs import sandbox_gateway, selectors, services
from runs.presentation import panel_for_output
from runs.sandbox_gateway import RunResult, SandboxRefused, SandboxUnavailable

if TYPE_CHECKING:
    from courseware.models import Page

# Examples run two at a time: faster imports without crowding out learners' runs.
VERIFY_CONCURRENCY = 2
PROGRESS_LABEL = "examples"


@dataclass(frozen=True)
class RunnableSource:
    code: str
    sha256: str
    course_slug: str


@dataclass
class Verified:
    """What verify() learned about one block: a fresh result, or None when the stored one is reused."""

    result: RunResult | None


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure_message(result: RunResult) -> str:
    detail = _last_line(result.error) or (result.kill_message or "") or "no error message"
    return f"{result.status}: {detail}"


class RunnableDirective(Directive):
    name = "runnable"
    api_field = "runnables"

    # --- 1. parse -------------------------------------------------------------------------
    def parse(self, block: DirectiveBlock, ctx: ParseContext) -> RunnableSource:
        # Trailing blank lines only: leading ones would shift the line numbers of errors.
        code = block.body.rstrip()
        if not code.strip():
            raise DirectiveError("the example is empty; write the Python code inside the block")
        if len(code.encode("utf-8")) > settings.CODE_MAX_BYTES:
            raise DirectiveError(f"the example is larger than {settings.CODE_MAX_BYTES // 1024} KB")
        try:
            compile(code, "main.py", "exec")
        except SyntaxError as exc:
            # Body line 1 is offset 1 from the fence, as SyntaxError.lineno counts.
            raise DirectiveError(f"invalid Python: {exc.msg}", line_offset=exc.lineno or 1) from exc
        except ValueError as exc:  # e.g. a NUL character
            raise DirectiveError(f"invalid Python: {exc}", line_offset=1) from exc
        return RunnableSource(code=code, sha256=services.sha256(code), course_slug=ctx.course_slug)

    # --- 2. verify ------------------------------------------------------------------------
    def verify(self, blocks: list[DirectiveBlock], report: Reporter, *, progress: Callable[[str], None]) -> None:
        if not blocks:
            return
        reusable = self._reusable_keys(blocks)
        todo: list[DirectiveBlock] = []
        for block in blocks:
            if (block.page_key, block.index, block.data.sha256) in reusable:
                block.result = Verified(result=None)
                progress(PROGRESS_LABEL)
            else:
                todo.append(block)
        if not todo:
            return
        problem = self._sandbox_problem()
        if problem:
            report(todo[0], problem)
            return
        with ThreadPoolExecutor(max_workers=VERIFY_CONCURRENCY, thread_name_prefix="runnable-verify") as pool:
            futures = {
                pool.submit(sandbox_gateway.run_code, block.data.code, limits=sandbox_gateway.EXAMPLE_LIMITS): block
                for block in todo
            }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    block = futures[future]
                    try:
                        result = future.result()
                    except (SandboxUnavailable, SandboxRefused, ValueError) as exc:
                        for other in pending:
                            other.cancel()
                        report(todo[0], self._describe(exc))
                        return
                    progress(PROGRESS_LABEL)
                    if result.status == "succeeded":
                        block.result = Verified(result=result)
                    else:
                        # The line of the error inside the body, counted from the fence.
                        report(block, failure_message(result), result.error_line or 0)  # type: ignore[call-arg]

    @staticmethod
    def _describe(exc: Exception) -> str:
        if isinstance(exc, SandboxRefused):
            return f"the code runner refuses to run code, so the examples cannot be checked: {exc}"
        if isinstance(exc, SandboxUnavailable):
            return f"{sandbox_gateway.UNAVAILABLE_MESSAGE.split(';')[0]}, so the examples cannot be checked: {exc}"
        return f"the code runner rejected an example: {exc}"

    def _sandbox_problem(self) -> str | None:
        """One clear message up front instead of one failure per example."""
        try:
            info = sandbox_gateway.check()
        except SandboxUnavailable as exc:
            return self._describe(exc)
        if info.get("mode") == "refusing":
            return self._describe(SandboxRefused(str(info.get("reason") or "isolation is not available")))
        return None

    @staticmethod
    def _reusable_keys(blocks: list[DirectiveBlock]) -> set[tuple[str, int, str]]:
        """(page_key, index, sha256) of examples whose stored output succeeded with that code."""
        from runs.models import Runnable

        slugs = {block.data.course_slug for block in blocks}
        rows = Runnable.objects.filter(page__course__slug__in=slugs, output__status="succeeded").values_list(
            "page__chapter__slug", "page__slug", "index", "code_sha256"
        )
        return {(f"{chapter}/{page}", index, digest) for chapter, page, index, digest in rows}

    # --- 3. sync --------------------------------------------------------------------------
    def sync(self, page: Page, blocks: list[DirectiveBlock]) -> None:
        examples: list[dict[str, Any]] = []
        for block in blocks:
            verified = block.result if isinstance(block.result, Verified) else None
            output = None
            if verified is not None and verified.result is not None:
                output = services.example_output(page_id=page.pk, index=block.index, result=verified.result)
            examples.append({"code": block.data.code, "output": output})
        services.sync_runnables(page=page, examples=examples)

    # --- 4. render ------------------------------------------------------------------------
    def render(self, block: DirectiveBlock, page: Page) -> str:
        runnable = selectors.get_runnable(page.pk, block.index)
        code = block.data.code
        output = runnable.output if runnable is not None else {}
        # The page HTML is stored and served for years; unhashed asset paths keep working
        # after the bundles are rebuilt (the hashed names of a manifest would not).
        static = settings.STATIC_URL
        return render_to_string(
            "runs/runnable.html",
            {
                "runnable_id": runnable.pk if runnable is not None else f"{page.pk}-{block.index}",
                "runnable_pk": runnable.pk if runnable is not None else "",
                "page_id": page.pk,
                "code": code,
                "rows": min(max(code.count("\n") + 2, 4), 30),
                "panel": panel_for_output(output, code),
                "first": block.index == 0,
                "editor_js": f"{static}dist/editor.js",
                "runnable_css": f"{static}runs/runnable.css",
            },
        )

    def api_value(self, page: Page) -> list[Any]:
        return [{"id": row.pk, "code": row.code} for row in selectors.runnables_of_page(page)]
