"""Run untrusted learner Python in isolated children of a server that pre-imports the ML stack.

This package knows nothing of Django. Callers use :mod:`sandbox.client`; operators start the
server with ``python -m sandbox.supervise`` (or :func:`sandbox.launcher.start_server`), which
builds an empty environment for it. The security model is described in ``docs/sandbox.md``.

Importing this package must stay cheap: the client side (web, workers) imports it too.
"""
