"""API tokens: per organisation, scoped read or read-write, revocable; only a hash is kept."""

from __future__ import annotations

import secrets

from accounts import audit
from accounts.services import CurrentUser, require_role, token_hash
from accounts.tables import ApiToken, ApiTokenScope, Role
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import lazy

PREFIX = "trp_"


async def create_token(user: CurrentUser, organisation_id: int, name: str, scope: ApiTokenScope) -> str:
    """Returns the token itself, shown once; the database keeps its hash."""
    require_role(user, organisation_id, Role.admin)
    if not name.strip():
        raise InvalidInput(lazy("Give the token a name, to recognise it later."), field="name")
    token = PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        await ApiToken(
            organisation=organisation_id,
            name=name.strip(),
            prefix=token[:12],
            token_hash=token_hash(token),
            scope=scope,
            created_by=user.id,
        ).save()
        summary = _("API token “%(name)s” created (%(prefix)s…)", name=name.strip(), prefix=token[:12])
        await audit.record(user, organisation_id, "token_created", summary, scope=scope.value)
    return token


async def tokens(user: CurrentUser, organisation_id: int) -> list[dict]:
    require_role(user, organisation_id, Role.admin)
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.prefix,
            ApiToken.scope,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.organisation == organisation_id)
        .order_by(ApiToken.created_at, ascending=False)
    )


async def revoke_token(user: CurrentUser, token_id: int) -> None:
    row = await ApiToken.select(ApiToken.organisation, ApiToken.name).where(ApiToken.id == token_id).first()
    if row is None or row["organisation"] not in user.roles:
        raise NotFound()
    require_role(user, row["organisation"], Role.admin)
    async with write_transaction():
        await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(ApiToken.id == token_id)
        summary = _("API token “%(name)s” revoked", name=row["name"])
        await audit.record(user, row["organisation"], "token_revoked", summary, token=token_id)


async def principal_for(token: str) -> CurrentUser | None:
    """Who a bearer token acts as: its organisation, as viewer (read) or organiser (write)."""
    if not token.startswith(PREFIX):
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.organisation, ApiToken.scope, ApiToken.name)
        .where((ApiToken.token_hash == token_hash(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    role = Role.organiser if row["scope"] == ApiTokenScope.write else Role.viewer
    return CurrentUser(
        id=0, email="", full_name=f"API: {row['name']}", language="fr", roles={row["organisation"]: role}
    )
