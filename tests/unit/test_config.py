"""Configuration order: defaults → instance/config.py → EVALFLOW_* environment → test config."""

from __future__ import annotations

from pathlib import Path

from evalflow import create_app


def test_environment_overrides_defaults_and_instance_file(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("TIMEZONE = 'Asia/Urumqi'\nMAX_FILE_MB = 7\n")
    monkeypatch.setenv("EVALFLOW_MAX_FILE_MB", "9")
    monkeypatch.setenv("EVALFLOW_SECRET_KEY", "from-env")
    monkeypatch.setenv("EVALFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Urumqi"
    assert app.config["MAX_FILE_MB"] == 9
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(Path(tmp_path) / "evalflow.sqlite3")
    secret = (Path(tmp_path) / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == secret and len(secret) > 40


def test_sqlite_pragmas_wal_busy_timeout_foreign_keys(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "x"})
    from evalflow.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            values = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "busy_timeout", "foreign_keys")
            ]
        db.engine.dispose()
    assert values == ["wal", 15000, 1]
