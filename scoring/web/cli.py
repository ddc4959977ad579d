"""`ocop users …` (web accounts) and `ocop serve` (the web app), registered lazily by scoring/cli.py."""
from __future__ import annotations

import getpass
import json
import sys

import click

from ..errors import Issue, ValidationFailed


DB_HELP = "Registry database URL (default: $OCOP_DB, else sqlite:///ocop.db)."


def _store(db: str | None):
    """The registry at `db`, refused (exit 2) unless `ocop registry init` brought it to this version."""
    from .store import Store

    store = Store(db)
    store.registry.check_schema()
    return store


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (a container without a passwd entry)
        return "cli:unknown"


@click.group("users")
def users_cmd() -> None:
    """Web app accounts (office, secretary, member), stored in the registry."""


@users_cmd.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["office", "secretary", "member"]),
              help="office: registry and certificates; secretary: runs a council's sessions; member: scores.")
@click.option("--council-member", "council_member", type=int,
              help="Id of the council member this account is (required for secretary and member; "
                   "`ocop users members` lists them).")
@click.option("--name", "display_name", help="Name shown in the app (default: the username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input "
              "(otherwise it is asked for twice, hidden). There is no default password.")
@click.option("--db", help=DB_HELP)
def users_add(username: str, role: str, council_member: int | None, display_name: str | None, password_stdin: bool,
              db: str | None) -> None:
    """Create an account; its password is hashed with argon2id and never stored in clear."""
    from . import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    store = _store(db)
    if council_member is not None:
        store.account_member(council_member, role)  # unknown, left the council, or not the thư ký: refused
    try:
        user = store.add_account(cli_actor(), username, password, role, display_name, council_member)
    except accounts.AccountError as exc:
        raise ValidationFailed([Issue(str(exc), location="users add", value=username)], subject="account") from None
    click.echo(f"Đã tạo tài khoản / account created: {user.username} ({user.role})")


@users_cmd.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input "
              "(otherwise it is asked for twice, hidden).")
@click.option("--db", help=DB_HELP)
def users_password(username: str, password_stdin: bool, db: str | None) -> None:
    """Set a new password for an account (a forgotten one, or a first password handed over): hashed
    with argon2id; every login session of the account ends. Users change their own in the app
    (/account/password)."""
    from . import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu mới / New password", hide_input=True, confirmation_prompt=True)
    store = _store(db)
    try:
        user = store.reset_password(cli_actor(), username, password)
    except accounts.AccountError as exc:
        raise ValidationFailed([Issue(str(exc), location="users password", value=username)],
                               subject="account") from None
    click.echo(f"Đã đặt mật khẩu mới / new password set: {user.username}; các phiên đăng nhập đã kết thúc / "
               "its login sessions have ended")


def _set_active(username: str, active: bool, db: str | None) -> None:
    from . import accounts

    store = _store(db)
    try:
        user = store.set_account_active(cli_actor(), username, active)
    except accounts.AccountError as exc:
        raise ValidationFailed([Issue(str(exc), location="users " + ("activate" if active else "deactivate"),
                                      value=username)], subject="account") from None
    if active:
        click.echo(f"Đã mở lại tài khoản / account reopened: {user.username}")
    else:
        click.echo(f"Đã khoá tài khoản / account closed: {user.username}; các phiên đăng nhập đã kết thúc / "
                   "its login sessions have ended")


@users_cmd.command("deactivate")
@click.argument("username")
@click.option("--db", help=DB_HELP)
def users_deactivate(username: str, db: str | None) -> None:
    """Close an account (a member who has left, a lost tablet): it can no longer log in and its
    sessions end now. The account stays in the registry, named by the audit log and its sheets."""
    _set_active(username, False, db)


@users_cmd.command("activate")
@click.argument("username")
@click.option("--db", help=DB_HELP)
def users_activate(username: str, db: str | None) -> None:
    """Reopen a closed account, with the password it had (`users password` to set a new one)."""
    _set_active(username, True, db)


@users_cmd.command("list")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
def users_list(db: str | None, as_json: bool) -> None:
    """The accounts (never their password hashes)."""
    from . import accounts

    users = accounts.list_users(_store(db).engine)
    if as_json:
        click.echo(json.dumps([u.__dict__ for u in users], ensure_ascii=False, indent=2))
        return
    for u in users:
        closed = "" if u.active else "\t(đã khoá / closed)"
        click.echo(f"{u.username}\t{u.role}\t{u.council_member_id or ''}\t{u.display_name}{closed}")


@users_cmd.command("members")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the members as JSON.")
def users_members(db: str | None, as_json: bool) -> None:
    """The councils' members with the ids `users add --council-member` takes, and their accounts."""
    store = _store(db)
    logins = store.logins_by_member()
    rows = [m | {"accounts": [u.username for u in logins.get(m["id"], [])]} for m in store.council_members()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['council']}\t{r['name']}\t{r['role']}{'' if r['active'] else ' (inactive)'}"
                   f"\t{', '.join(r['accounts'])}")


@click.command("serve")
@click.option("--db", help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 lets tablets on the room's network join).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes; the app keeps no state in memory, so any number serve one registry.")
@click.option("--demo", is_flag=True, help="Create (or reuse) a demo registry from the bundled fixtures: a round, "
              "a council of four with an open session, accounts with passwords printed once.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies trusted to say the request came over HTTPS (cookies are then marked Secure).")
def serve_cmd(db: str | None, host: str, port: int, workers: int, demo: bool, forwarded_allow_ips: str) -> None:
    """Serve the web app (members score on tablets, the secretary runs the session, the office
    browses the registry). TLS is a reverse proxy's job; behind one, cookies are Secure."""
    import os

    import uvicorn

    from ..registry import db as regdb

    if demo:
        from .demo import seed_demo

        url = regdb.resolve_url(db or "sqlite:///ocop-demo.db")
        for line in seed_demo(url):
            click.echo(line)
    else:
        url = regdb.resolve_url(db)
    store = _store(url)
    safe = store.registry.safe_url
    store.registry.close()
    os.environ["OCOP_DB"] = url  # read by every worker (app_from_env)
    click.echo(f"ocop serve: http://{host}:{port}/  ({safe}, {workers} worker(s))")
    uvicorn.run("scoring.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, log_level="info")
