"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from evalflow import create_app

app = create_app()

# Everything loaded so far (the app, its libraries, templates, translations: about 160,000 objects)
# lives as long as the worker. Moving it out of the collector's view keeps a full collection from
# scanning it again: one took about 80 ms here, a pause every request queued behind the worker would
# wait out. Full collections are rare (none in 3,000 ballots in one process), so this matters for
# long-running workers rather than for the benchmarks.
gc.freeze()
