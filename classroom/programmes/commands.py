"""`flask programmes ...`: municipalities, programme leads and operators from the command line."""

import click

from ..accounts.services import AccountError
from ..extensions import db
from . import services
from .blueprint import bp


@bp.cli.command("add-municipality")
@click.argument("name")
def add_municipality(name: str) -> None:
    """Add a municipality or region, which then gets programme leads."""
    try:
        municipality = services.create_municipality(name)
    except services.ProgrammeError as error:
        db.session.rollback()
        messages = {
            "municipality-taken": f"There already is a municipality named {name.strip()}.",
            "name-empty": "The name is empty.",
        }
        raise click.ClickException(messages[str(error)]) from error
    db.session.commit()
    click.echo(f"Added municipality {municipality.name}.")


@bp.cli.command("add-lead")
@click.option("--municipality", "municipality_name", required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(envvar="KLASGESPREK_PASSWORD")
def add_lead(municipality_name: str, email: str, name: str, password: str) -> None:
    """Add a programme lead of an existing municipality, with a password."""
    municipality = services.find_municipality(municipality_name)
    if municipality is None:
        raise click.ClickException(
            f"There is no municipality named {municipality_name.strip()}; "
            "add it first with `flask programmes add-municipality`."
        )
    try:
        services.create_lead(municipality, email, name, password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Added programme lead {email.strip().lower()} of {municipality.name}.")


@bp.cli.command("add-operator")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(envvar="KLASGESPREK_PASSWORD")
def add_operator(email: str, name: str, password: str) -> None:
    """Add an operator, who adds municipalities and their leads on the operator page."""
    try:
        services.create_operator(email, name, password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Added operator {email.strip().lower()}.")
