"""How fast are certificates? Rendering (goal: PDF + PNG ≤ 500 ms) and verification (goal: p50 ≤ 20 ms).

Runs against a throw-away SQLite database and media folder (nothing in var/ is touched):

* render: the PDF and the PNG of one certificate, warm (fonts loaded once per process, as in
  a worker), median of N; the first, cold render is reported separately. Baseline: encoding an
  empty PNG of the same size, the floor any PNG render pays.
* verify: GET /verify/<code>/ through Django's test client (the whole middleware and template
  stack, no network), p50/p95 of N; also the public API and, as the baseline, the public-key
  endpoint (a view that touches no database).

Usage::

    .venv/bin/python bench/certificates/run.py [-n 200] [--strict]

``--strict`` exits 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RENDER_GOAL_MS = 500.0
VERIFY_GOAL_MS = 20.0


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="requests per endpoint (renders: n/10)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="glassbook-bench-certificates-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GLASSBOOK_VAR_DIR": str(scratch),
            "MEDIA_ROOT": str(scratch / "media"),
            "DEBUG": "false",
            "SECRET_KEY": "bench-only",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "CERTIFICATE_SIGNING_KEY"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    # Production settings, except static URLs need no collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)

    from PIL import Image

    from accounts.models import User
    from certificates import rendering, services
    from courseware.models import Course, CourseProgress

    user = User.objects.create_user(username="bench", password="x" * 20, display_name="Benedicte Benchmark")
    course = Course.objects.create(slug="bench", title="Interpretable Machine Learning", published=True)
    CourseProgress.objects.create(
        user=user, course=course, points=46, points_total=50, completed_at="2025-11-21T10:00Z"
    )
    certificate = services.issue_certificate(user=user, course=course)
    data = services.certificate_data(certificate)

    start = time.perf_counter()
    rendering.render_pdf(data)
    rendering.render_png(data)
    cold_ms = (time.perf_counter() - start) * 1000

    renders = max(10, args.n // 10)
    pdf_ms = statistics.median(timed(lambda: rendering.render_pdf(data), renders))
    png_ms = statistics.median(timed(lambda: rendering.render_png(data), renders))

    def empty_png() -> None:
        Image.new("RGB", rendering.PNG_SIZE, "white").save(io.BytesIO(), "PNG", compress_level=6)

    floor_ms = statistics.median(timed(empty_png, renders))
    task_ms = statistics.median(
        timed(
            lambda: (
                type(certificate).objects.filter(pk=certificate.pk).update(rendered_revision=0),
                services.render_certificate_files(certificate_id=certificate.pk),
            ),
            renders,
        )
    )

    client = Client()
    verify_path = f"/verify/{certificate.code}/"
    api_path = f"/api/v1/certificates/{certificate.code}/"
    key_path = "/.well-known/glassbook-certificate-key.json"
    for path in (verify_path, api_path, key_path):
        assert client.get(path).status_code == 200, path
    verify = timed(lambda: client.get(verify_path), args.n)
    api = timed(lambda: client.get(api_path), args.n)
    key = timed(lambda: client.get(key_path), args.n)

    render_total = pdf_ms + png_ms
    verify_p50 = pct(verify, 0.5)
    print(f"fonts: {'DejaVu' if rendering.using_dejavu() else 'Bitstream Vera (install fonts-dejavu-core)'}")
    print(f"render, cold (first in process, loads fonts): {cold_ms:7.1f} ms")
    print(f"render PDF, warm median of {renders}:            {pdf_ms:7.1f} ms")
    print(
        f"render PNG, warm median of {renders}:            {png_ms:7.1f} ms   ({png_ms / floor_ms:.1f}x an empty PNG of the same size, {floor_ms:.1f} ms)"
    )
    print(
        f"render PDF + PNG:                          {render_total:7.1f} ms   goal ≤ {RENDER_GOAL_MS:.0f} ms  {'ok' if render_total <= RENDER_GOAL_MS else 'MISSED'}"
    )
    print(f"render task (both + storage + row), median: {task_ms:7.1f} ms")
    print(
        f"GET {verify_path}  p50 {verify_p50:5.2f} ms  p95 {pct(verify, 0.95):5.2f} ms   goal p50 ≤ {VERIFY_GOAL_MS:.0f} ms  {'ok' if verify_p50 <= VERIFY_GOAL_MS else 'MISSED'}"
    )
    print(f"GET {api_path}  p50 {pct(api, 0.5):5.2f} ms  p95 {pct(api, 0.95):5.2f} ms")
    print(
        f"GET {key_path} (baseline, no database)  p50 {pct(key, 0.5):5.2f} ms  → verify page = {verify_p50 / pct(key, 0.5):.1f}x baseline"
    )
    missed = render_total > RENDER_GOAL_MS or verify_p50 > VERIFY_GOAL_MS
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
