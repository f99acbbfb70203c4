"""``rapport keys create|list|revoke``: API keys that each act as one user of ``rapport serve``.

The key is printed once, on creation, and only its hash is kept (``agent/keys.py``). The file sits in
the data dir and SQLite lets these commands change it while a server runs: a revoked key stops
working on the server's next request.
"""

from __future__ import annotations

import argparse
import json


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="API keys bound to users, for `rapport serve`").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = keys.add_parser("create", help="make a key that acts only as USER (printed once)")
    create.add_argument("--user", required=True, help="the user id the key acts as")
    create.add_argument("--json", action="store_true", help="machine-readable output")
    create.set_defaults(handler=_create)
    listing = keys.add_parser("list", help="every key's id, user, creation and revocation (never the key)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_list)
    revoke = keys.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("key_id", help="the id `rapport keys list` shows")
    revoke.add_argument("--json", action="store_true", help="machine-readable output")
    revoke.set_defaults(handler=_revoke)


def _store():  # -> KeyStore
    from agent.keys import KeyStore
    from agent.settings import Settings

    settings = Settings()
    return KeyStore.open(settings.data_dir.expanduser(), settings.database_url)


def _create(args: argparse.Namespace) -> int:
    key, info = _store().create(args.user)
    if args.json:
        print(json.dumps({"key": key, **info.model_dump(mode="json")}))
    else:
        print(key)
        print(f"key {info.key_id} acts as {info.user_id!r}. It is shown only now: store it somewhere safe.")
    return 0


def _list(args: argparse.Namespace) -> int:
    found = _store().all_keys()
    if args.json:
        print(json.dumps([info.model_dump(mode="json") for info in found]))
        return 0
    if not found:
        print("no keys: create one with `rapport keys create --user ID`")
    for info in found:
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        print(f"{info.key_id}  {info.user_id}  created {info.created_at:%Y-%m-%d %H:%M}  {state}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    info = _store().revoke(args.key_id)
    if args.json:
        print(json.dumps(info.model_dump(mode="json")))
    else:
        print(f"key {info.key_id} of {info.user_id!r} is revoked")
    return 0
