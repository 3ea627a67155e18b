"""WSGI entry point: ``gunicorn wsgi:app``."""

from evalflow import create_app

app = create_app()
