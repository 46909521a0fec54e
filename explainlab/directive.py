"""The `{explainlab}` directive: a fixed lab spec in a chapter, computed at import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from django.template.loader import render_to_string

from courseware.directives import Directive, DirectiveBlock, DirectiveError, ParseContext, Reporter
from courseware.models import Page
from explainlab.engine.spec import Spec, SpecError, validate_spec

SPEC_KEYS = {"dataset", "model", "params", "explanation", "instance", "options"}
KEYS = SPEC_KEYS | {"caption"}


class ExplainlabDirective(Directive):
    name = "explainlab"
    api_field = "explainlab"

    def parse(self, block: DirectiveBlock, ctx: ParseContext) -> dict[str, Any]:
        try:
            data = yaml.safe_load(block.body)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise DirectiveError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}", (mark.line + 1) if mark else 1
            ) from exc
        if not isinstance(data, dict):
            raise DirectiveError("the body must be a YAML mapping (dataset, model, params, explanation, ...)", 1)
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise DirectiveError(
                f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(KEYS))})",
                _line_of(block.body, unknown[0]),
            )
        raw = {key: data[key] for key in SPEC_KEYS if key in data}
        try:
            spec = validate_spec(raw)
        except SpecError as exc:
            top = exc.field.split(".")[0]
            raise DirectiveError(f"{exc.field}: {exc.message}", _line_of(block.body, top)) from exc
        caption = data.get("caption", "")
        if not isinstance(caption, str):
            raise DirectiveError("caption must be text", _line_of(block.body, "caption"))
        return {"spec": spec, "caption": caption.strip()}

    def verify(self, blocks: list[DirectiveBlock], report: Reporter, *, progress: Callable[[str], None]) -> None:
        from explainlab.services import compute_now

        for block in blocks:
            spec: Spec = block.data["spec"]
            job = compute_now(spec)
            if job.status != "succeeded":
                report(block, f"the lab could not compute this explanation: {job.error}")
            block.result = job
            progress("computed")

    def sync(self, page: Page, blocks: list[DirectiveBlock]) -> None:
        from explainlab.models import Embed
        from explainlab.services import compute_now

        keep = []
        for block in blocks:
            job = block.result if block.result is not None else compute_now(block.data["spec"])
            if not job.pinned:
                # Pinned inside the import transaction: a failed import pins nothing.
                type(job).objects.filter(pk=job.pk).update(pinned=True)
                job.pinned = True
            block.result = job
            embed, _ = Embed.objects.update_or_create(
                page=page,
                index=block.index,
                defaults={"spec": block.data["spec"].canonical(), "caption": block.data["caption"], "job": job},
            )
            keep.append(embed.pk)
        Embed.objects.filter(page=page).exclude(pk__in=keep).delete()

    def render(self, block: DirectiveBlock, page: Page) -> str:
        from explainlab.storage import artifact_url
        from explainlab.views import lab_url

        job = block.result
        spec = block.data["spec"]
        png = next((a for a in job.artifacts if a["format"] == "png"), None) if job else None
        return render_to_string(
            "explainlab/_embed.html",
            {
                "png_url": artifact_url(png) if png else "",
                "caption": block.data["caption"],
                "alt": block.data["caption"] or f"{spec.explanation} of a {spec.model} model on {spec.dataset}",
                "metrics": job.metrics if job else {},
                "lab_url": lab_url(spec.canonical()),
            },
        )

    def api_value(self, page: Page) -> list[Any]:
        from explainlab.selectors import job_payload, page_embeds

        return [
            {**embed.spec, "caption": embed.caption, "job": job_payload(embed.job, cached=True)}
            for embed in page_embeds(page.pk)
        ]


def _line_of(body: str, key: str) -> int:
    for number, line in enumerate(body.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1
