"""The migrations build exactly the schema the models describe, up and down."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from classroom.extensions import db


def test_migrations_match_the_models_and_go_down_again(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "response" in inspect(db.engine).get_table_names()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_the_programme_migration_keeps_every_row_of_the_tables_it_rebuilds(app):
    """On SQLite, user and sign_on are rebuilt: their rows, and the rows that point at
    them with ON DELETE CASCADE (class_teacher, sign_on_domain), all stay."""
    counted = ("school", '"user"', "school_class", "class_teacher", "sign_on", "sign_on_domain")
    with app.app_context():
        db.drop_all()
        upgrade(revision="8c4d2e6f1a37")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO school (id, name, min_answers, school_min_answers, retention_days,"
                " created_at) VALUES (1, 'School', 5, 10, 30, '2026-01-01')",
                'INSERT INTO "user" (id, school_id, email, name, role, password_hash, active,'
                " session_token, created_at) VALUES (1, 1, 'a@b.nl', 'A', 'teacher', 'x', TRUE,"
                " 't', '2026-01-01')",
                "INSERT INTO school_class (id, school_id, name, level, year) VALUES"
                " (1, 1, '3A', 'havo', 3)",
                "INSERT INTO class_teacher (class_id, user_id) VALUES (1, 1)",
                "INSERT INTO sign_on (id, school_id, issuer, client_id, secret_encrypted,"
                " provider_verifies_email, passwords_allowed, updated_at) VALUES"
                " (1, 1, 'https://id.example', 'c', 's', FALSE, TRUE, '2026-01-01')",
                "INSERT INTO sign_on_domain (id, sign_on_id, domain, created_at) VALUES"
                " (1, 1, 'b.nl', '2026-01-01')",
            ):
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:
            counts = {
                table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608
                for table in counted
            }
        assert counts == dict.fromkeys(counted, 1)
        downgrade(revision="base")
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
