"""Use cases, one verb each. The actor is an explicit argument; services ``flush`` and never commit —
the request (or CLI command) commits once, so a multi-step change applies whole or not at all.
Every state change writes an audit entry through :func:`evalflow.services.audit.record`."""
