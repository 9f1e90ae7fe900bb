"""``claimcheck keys add|list|revoke``: newsroom API keys, through the intake's admin API.

The command calls ``/v1/admin/keys`` on ``CLAIMCHECK_API_URL`` with ``X-Admin-Key:
CLAIMCHECK_ADMIN_KEY``; the intake hashes and stores the keys. So the command needs only
the URL and the admin key, never Redis credentials.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

from cli.admin_client import ADMIN_HEADER, AdminApiError, AdminClient
from cli.commands import Subparsers, add_command, add_group
from shared.settings import Settings

ADMIN_PATH = "/v1/admin/keys"
__all__ = ["ADMIN_HEADER", "ADMIN_PATH", "AdminApiError", "KeysClient", "run_keys"]


class KeysClient(AdminClient):
    """The intake's admin API for keys."""

    def add(self, newsroom: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", ADMIN_PATH, json={"newsroom": newsroom})
        return result

    def list(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", ADMIN_PATH)["keys"]
        return result

    def revoke(self, key_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", f"{ADMIN_PATH}/{key_id}")
        return result


def client_from_settings(settings: Settings) -> KeysClient:
    return KeysClient.from_settings(settings)


def run_keys(args: argparse.Namespace, settings: Settings, out: IO[str] | None = None) -> int:
    """The ``keys`` sub-commands; prints to ``out`` (stdout)."""
    out = out or sys.stdout
    with client_from_settings(settings) as client:
        if args.keys_command == "add":
            made = client.add(args.newsroom)
            if args.json:
                print(json.dumps(made), file=out)
            else:
                print(f"key_id:   {made['key_id']}", file=out)
                print(f"newsroom: {made['newsroom']}", file=out)
                print(f"key:      {made['key']}", file=out)
                print("The key is shown this once; only its hash is stored.", file=out)
        elif args.keys_command == "list":
            keys = client.list()
            if args.json:
                print(json.dumps(keys), file=out)
            else:
                print(f"{'KEY_ID':<22} {'NEWSROOM':<24} CREATED", file=out)
                for key in keys:
                    print(
                        f"{key['key_id']:<22} {key['newsroom']:<24} {key['created_at']}", file=out
                    )
        else:
            revoked = client.revoke(args.key_id)
            print(f"revoked {revoked['key_id']} ({revoked['newsroom']})", file=out)
    return 0


def register(subparsers: Subparsers) -> None:
    """``keys add|list|revoke``."""
    keys = add_group(
        subparsers,
        "keys",
        help="manage newsroom API keys (needs CLAIMCHECK_ADMIN_KEY and the intake)",
    )
    p = add_command(keys, "add", run_keys, help="make a key for a newsroom; prints it once")
    p.add_argument("newsroom", help="the newsroom the key is for")
    p.add_argument("--json", action="store_true", help="the new key as one JSON object")
    p = add_command(
        keys, "list", run_keys, help="newsroom, key id and creation time of every stored key"
    )
    p.add_argument("--json", action="store_true", help="the keys as one JSON array")
    p = add_command(keys, "revoke", run_keys, help="revoke a key by its id")
    p.add_argument("key_id", help="the key's id, as `keys list` shows it")
