"""Guessing a password is slowed down, even by many tries at once, and never locks the owner out."""

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest

from accounts import passwords, services, throttle
from accounts.services import InvalidCredentials, TooManyAttempts
from accounts.tables import Role
from app.asgi import create_app
from core.clock import utcnow
from core.ratelimit import increment
from events.tables import Event
from tests.factories.accounts import make_organisation, make_user
from tests.factories.registration import published_event, youth
from tests.support import PASSWORD, csrf_token, login

ATTACKER, OWNER = ("203.0.113.7", 4000), ("198.51.100.2", 5000)


def _from(app, ip: tuple[str, int]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=ip), base_url="http://testserver")


@pytest.fixture
def checked_passwords(monkeypatch) -> list[str]:
    """Every password the app checks against a hash."""
    checked: list[str] = []
    verify = passwords.verify_password

    async def counting(password_hash, password):
        checked.append(password)
        return await verify(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    return checked


async def test_fifty_guesses_at_once_are_mostly_refused_and_the_owner_still_logs_in(app, checked_passwords):
    await make_user("cible@ml.test", await make_organisation("ML"), Role.organiser)
    async with _from(app, ATTACKER) as attacker:
        await attacker.get("/login")
        token = csrf_token(attacker)

        async def guess(n: int) -> int:
            form = {"_csrf_token": token, "email": "cible@ml.test", "password": f"essai-{n}"}
            return (await attacker.post("/login", data=form)).status_code

        answers = await asyncio.gather(*(guess(n) for n in range(50)))

    assert len(checked_passwords) <= throttle.PAIR_FREE_TRIES
    assert answers.count(429) >= 50 - throttle.PAIR_FREE_TRIES and set(answers) <= {401, 429}
    async with _from(app, OWNER) as owner:
        assert (await login(owner, "cible@ml.test")).status_code == 302


async def test_the_wait_grows_after_repeated_wrong_passwords_and_a_right_one_clears_it(app):
    await make_user("cible@ml.test", await make_organisation("ML"), Role.organiser)
    now = utcnow()
    for _ in range(throttle.PAIR_FREE_TRIES):
        with pytest.raises(InvalidCredentials):
            await services.authenticate("cible@ml.test", "mauvais", ATTACKER[0], now=now)

    with pytest.raises(TooManyAttempts) as refused:
        await services.authenticate("cible@ml.test", PASSWORD, ATTACKER[0], now=now)
    assert refused.value.text() == "Trop de tentatives : réessayez dans 1 seconde, ou réinitialisez votre mot de passe."
    now += timedelta(seconds=1)
    with pytest.raises(InvalidCredentials):
        await services.authenticate("cible@ml.test", "mauvais", ATTACKER[0], now=now)
    with pytest.raises(TooManyAttempts):  # now two seconds
        await services.authenticate("cible@ml.test", PASSWORD, ATTACKER[0], now=now + timedelta(seconds=1))

    now += timedelta(seconds=2)
    assert (await services.authenticate("cible@ml.test", PASSWORD, ATTACKER[0], now=now)).email == "cible@ml.test"
    with pytest.raises(InvalidCredentials):  # the count started again
        await services.authenticate("cible@ml.test", "mauvais", ATTACKER[0], now=now)


def test_delays_double_up_to_a_quarter_of_an_hour():
    free = throttle.PAIR_FREE_TRIES
    assert [throttle.delay(free - 1 + n, free).total_seconds() for n in range(5)] == [0, 1, 2, 4, 8]
    assert throttle.delay(free + 40, free) == timedelta(minutes=15)


async def test_one_ip_trying_many_accounts_is_slowed_down_too(app):
    now = utcnow()
    for n in range(throttle.IP_FREE_TRIES):
        with pytest.raises(InvalidCredentials):
            await services.authenticate(f"personne{n}@ml.test", "mauvais", ATTACKER[0], now=now)
    with pytest.raises(TooManyAttempts):
        await services.authenticate("encore-un@ml.test", "mauvais", ATTACKER[0], now=now)
    with pytest.raises(InvalidCredentials):  # another IP is not concerned
        await services.authenticate("encore-un@ml.test", "mauvais", OWNER[0], now=now)


async def test_the_login_page_says_how_long_to_wait_in_french(client):
    await make_user("cible@ml.test", await make_organisation("ML"), Role.organiser)
    for _ in range(throttle.PAIR_FREE_TRIES):
        assert (await login(client, "cible@ml.test", "mauvais")).status_code == 401
    response = await login(client, "cible@ml.test")
    assert response.status_code == 429 and "Trop de tentatives : réessayez dans" in response.text


async def test_concurrent_public_posts_are_each_counted(app):
    store = app.stores.get("throttle")
    counts = await asyncio.gather(*(increment(store, "rl:test:ip", 600) for _ in range(100)))
    assert sorted(counts) == list(range(1, 101))


async def test_concurrent_public_posts_are_each_counted_in_redis(settings, redis_url):
    shared = create_app(
        dataclasses.replace(settings, redis_url=redis_url), manage_database=False, run_outbox_worker=False
    )
    async with shared.lifespan():  # closes the app's Redis connections at the end, as a server would
        store = shared.stores.get("throttle")
        counts = await asyncio.gather(*(increment(store, "rl:test:ip", 600) for _ in range(100)))
        await store.delete("rl:test:ip")
    assert sorted(counts) == list(range(1, 101))


async def test_a_burst_of_registrations_from_one_ip_stops_at_the_limit(settings):
    limited = create_app(
        dataclasses.replace(settings, public_posts_per_10_min=5), manage_database=False, run_outbox_worker=False
    )
    event = await published_event(capacity=100)
    async with _from(limited, ATTACKER) as phone:
        await phone.get(f"/e/{event.public_token}")
        token = csrf_token(phone)
        answers = await asyncio.gather(
            *(phone.post(f"/e/{event.public_token}", data={"_csrf_token": token, **youth(n)}) for n in range(20))
        )
    assert sum(a.status_code == 429 for a in answers) == 15
    assert await Event.count() == 1
