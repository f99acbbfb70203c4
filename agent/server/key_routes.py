"""``/v1/keys``: the admin key creates, lists and revokes user keys over HTTP, as ``rapport keys`` does.

None of these routes names a user id, so ``access_guard`` keeps them to the admin key.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from agent.keys import KeyStore


class NewKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    """The user id the key will act as."""


def key_router(keys: KeyStore) -> APIRouter:
    router = APIRouter(prefix="/v1/keys")

    @router.post("", status_code=201)
    def create_key(body: NewKeyIn) -> dict[str, Any]:
        """A new key for ``user``: the ``key`` is in this answer only, never again."""
        key, info = keys.create(body.user)
        return {"object": "api_key", "key": key, **info.model_dump(mode="json")}

    @router.get("")
    def list_keys() -> dict[str, Any]:
        return {"object": "list", "data": [{"object": "api_key", **k.model_dump(mode="json")} for k in keys.all_keys()]}

    @router.delete("/{key_id}")
    def revoke_key(key_id: str) -> dict[str, Any]:
        return {"object": "api_key", **keys.revoke(key_id).model_dump(mode="json")}

    return router
