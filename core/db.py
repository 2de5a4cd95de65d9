"""Database engine from DATABASE_URL, its lifespan, and the one way to write.

SQLite is tuned for a web app served by a few processes: WAL journal, a busy timeout, write transactions
that start IMMEDIATE (deferred transactions upgrading to writers fail with "database is locked") and take
turns, within a process on one asyncio lock and between processes on a file lock (`_writers_turn`), on one
connection per process kept open for them, and reads outside a transaction on a few connections kept open
(`ReadingSQLiteEngine`). Each statement is one trip to its connection's thread. Commits are made durable as
`SQLITE_SYNCHRONOUS` says (README, "Durability on SQLite").
PostgreSQL gets a connection pool opened and closed by the app lifespan.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sized
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, TypeVar

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from core.settings import Settings

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_S = 10.0
_write_lock = asyncio.Lock()


class ReadingSQLiteEngine(SQLiteEngine):
    """Piccolo opens a new connection (a thread, a connect, a PRAGMA: about 3 ms) for every query outside a
    transaction and for every transaction, and makes four trips to the connection's thread per statement.
    Between `open_pool()` and `close_pool()`, reads (SELECT) go to a few connections kept open instead, taken
    in turn (with WAL each statement sees what was committed before it), and write transactions, which take
    turns anyway (`_transaction`), all use one connection kept open: the writer. A statement is one trip.
    The busiest writes use one more connection, on the event loop's thread (`write_at_once`): no trip."""

    READERS = 3

    def __init__(self, *args: Any, synchronous: str = "NORMAL", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.synchronous = synchronous
        self._readers: list[aiosqlite.Connection] = []
        self._turn = 0
        self.writer: aiosqlite.Connection | None = None
        self.inline: sqlite3.Connection | None = None  # write_at_once's, used on the event loop's thread

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await super().get_connection()  # row factory, foreign keys on
        await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    async def open_readers(self) -> None:
        for _ in range(self.READERS - len(self._readers)):
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.execute("PRAGMA query_only = 1")  # a reader never writes, even by mistake
            self._readers.append(connection)
        if self.writer is None:
            self.writer = await self.get_connection()
        if self.inline is None:
            self.inline = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
            self.inline.row_factory = dict_factory
            self.inline.execute("PRAGMA foreign_keys = 1")
            self.inline.execute(f"PRAGMA synchronous = {self.synchronous}")

    async def close_readers(self) -> None:
        readers, self._readers = self._readers, []
        writer, self.writer = self.writer, None
        inline, self.inline = self.inline, None
        for connection in [*readers, *([writer] if writer else [])]:
            await connection.close()
        if inline is not None:
            inline.close()

    async def _run_in_existing_connection(
        self, connection: Any, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        # One trip (Piccolo makes four: a PRAGMA already set when the connection was made, execute, fetch,
        # close). SQLite 3.35 and later return inserted keys with RETURNING, as Piccolo asks.
        return await connection.execute_fetchall(query, args or [])

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        if not self._readers or query.lstrip()[:6].upper() != "SELECT":
            return await super()._run_in_new_connection(query, args, query_type, table)
        self._turn += 1
        connection = self._readers[self._turn % len(self._readers)]
        # One trip to the connection's thread (execute, fetch and close would be three).
        return await connection.execute_fetchall(query, args or [])


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # journal_mode is stored in the file itself
            conn.execute("PRAGMA journal_mode=WAL")
        return ReadingSQLiteEngine(
            path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S, synchronous=settings.sqlite_synchronous.upper()
        )
    return PostgresEngine(config={"dsn": settings.database_url})


def get_engine() -> Engine:
    from piccolo_conf import DB

    return DB


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or get_engine(), SQLiteEngine)


_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_commit", default=None)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction open here commits (at once when none is open).

    A worker woken before the commit would look for rows it cannot see yet."""
    pending = _after_commit.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """Every write goes through here; nested calls join the open transaction."""
    engine = get_engine()
    current = engine.current_transaction.get()
    if current is not None:
        yield current
        return
    pending: list[Callable[[], None]] = []
    token = _after_commit.set(pending)
    try:
        async with _transaction(engine) as tx:
            yield tx
    finally:
        _after_commit.reset(token)
    for callback in pending:  # reached only when the transaction committed
        callback()


@asynccontextmanager
async def _transaction(engine: Engine) -> AsyncIterator[Any]:
    if isinstance(engine, SQLiteEngine):
        async with _write_lock, _writers_turn(engine.path):
            writer = getattr(engine, "writer", None)
            if writer is not None and writer.in_transaction:
                await writer.execute("ROLLBACK")  # left open by a transaction cancelled while it ended
            kind = _WriterTransaction if writer is not None else SQLiteTransaction
            async with kind(engine, transaction_type=TransactionType.immediate) as tx:
                yield tx
    else:
        async with engine.transaction() as tx:
            yield tx
            try:
                await tx.commit()
            except BaseException:
                # A deferred constraint refused the COMMIT: PostgreSQL has rolled back. Piccolo would try to
                # roll back again, fail, and keep the connection out of the pool with its transaction still
                # current; told it is rolled back, it just gives the connection back.
                tx._rolled_back = True
                raise


class _Lent:
    """The engine's writer, lent to one transaction: closing it at the transaction's end gives it back."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        pass


class _WriterTransaction(SQLiteTransaction):
    """A write transaction on the engine's writer instead of a connection opened for it."""

    async def get_connection(self) -> Any:
        return _Lent(self.engine.writer)  # type: ignore[attr-defined]


_lock_files: dict[str, int] = {}


@asynccontextmanager
async def _writers_turn(database: str) -> AsyncIterator[None]:
    """The server's processes take turns at writing to one SQLite file, on an exclusive `flock` of a file
    beside it, asked for by the one task of each process that holds `_write_lock`. Left to SQLite, a writer
    finding the database locked sleeps and retries (up to 100 ms between tries: 200 concurrent registrations
    took 7.8 s that way, 0.45 s in one process with the lock); waiting on the file lock, it is woken as soon
    as the other process is done."""
    fd = _lock_files.get(database)
    if fd is None:
        fd = _lock_files[database] = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: no thread needed
    except BlockingIOError:
        waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # Cancelled while its thread waits: the thread still gets the lock, and gives it back at once.
            waiting.add_done_callback(lambda done: done.exception() or fcntl.flock(fd, fcntl.LOCK_UN))
            raise
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class _NoResetConnection(asyncpg.Connection):
    """asyncpg resets every connection it takes back (RESET ALL, UNLISTEN…): one more round trip
    per transaction. Tremplin sets no session state (no SET, LISTEN or advisory lock), so the
    reset has nothing to undo."""

    def get_reset_query(self) -> str:
        return ""


async def open_pool(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20, connection_class=_NoResetConnection)
    elif isinstance(engine, ReadingSQLiteEngine):
        await engine.open_readers()


async def close_pool(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, ReadingSQLiteEngine):
        await engine.close_readers()


async def ping() -> bool:
    try:
        await get_engine().run_ddl("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means the database is unusable
        return False
    return True


async def sql(query: str, *args: Any) -> list[dict[str, Any]]:
    """Plain SQL on the open write transaction's connection, `{}` marking each parameter.

    For the hot paths only (a registration, a check-in), where Piccolo's query building and
    its extra statements per query cost more than the database work itself.
    """
    engine = get_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("sql() runs inside write_transaction()")
    connection = transaction.connection
    if isinstance(engine, SQLiteEngine):
        return list(await connection.execute_fetchall(query.replace("{}", "?"), args))
    return [dict(row) for row in await connection.fetch(_numbered(query), *args)]


async def sql_once(query: str, *args: Any) -> list[dict[str, Any]]:
    """One plain-SQL statement in its own transaction (or in the one open here).

    On PostgreSQL, a statement that does all its writes at once commits as it ends: no BEGIN and
    COMMIT round trips, and no lock held while the app is busy elsewhere between two statements.
    On SQLite it takes the writers' turn like any write (`write_transaction`); reads go by `read`.
    """
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        return await sql(query, *args)
    if isinstance(engine, SQLiteEngine):
        async with write_transaction():
            return await sql(query, *args)
    if engine.pool is None:
        connection = await engine.get_new_connection()
        try:
            return [dict(row) for row in await connection.fetch(_numbered(query), *args)]
        finally:
            await connection.close()
    async with engine.pool.acquire() as connection:
        return [dict(row) for row in await connection.fetch(_numbered(query), *args)]


async def read(query: str, *args: Any) -> list[dict[str, Any]]:
    """One plain-SQL read, `{}` marking each parameter: in the open write transaction when there is one,
    else on a reader kept open (SQLite) or a pooled connection (PostgreSQL). For the hot paths (see `sql`)."""
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        return await sql(query, *args)
    if isinstance(engine, ReadingSQLiteEngine) and engine._readers:
        engine._turn += 1
        reader = engine._readers[engine._turn % len(engine._readers)]
        return list(await reader.execute_fetchall(query.replace("{}", "?"), args))
    if isinstance(engine, SQLiteEngine):
        return list(await engine._run_in_new_connection(query.replace("{}", "?"), list(args)))
    return await sql_once(query, *args)


async def write_at_once(work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` as one IMMEDIATE write transaction, in the writers' turn, on a connection kept for it and used
    right here on the event loop's thread. For the busiest writes only (a public registration, a scan).

    Their statements take a fraction of a millisecond together (WAL, `SQLITE_SYNCHRONOUS=normal`): a trip to a
    connection's thread per statement (`write_transaction`) costs more than that, and so does the GIL passed
    back and forth between that thread and the loop while every other request waits (measured on scans: 1,200
    a second through the writer's thread, 2,200 here). `work` gets a sqlite3 connection (rows as dicts, `?`
    parameters) and must not await anything; an exception rolls it all back."""
    engine = get_engine()
    inline = getattr(engine, "inline", None)
    if not isinstance(engine, SQLiteEngine) or inline is None:
        raise RuntimeError("write_at_once() needs the SQLite connection opened by open_pool()")
    if engine.current_transaction.get() is not None:
        raise RuntimeError("write_at_once() runs outside write_transaction()")
    async with _write_lock, _writers_turn(engine.path):
        return _in_one_transaction(work, inline)


def _in_one_transaction(work: Callable[[sqlite3.Connection], T], connection: sqlite3.Connection) -> T:
    if connection.in_transaction:
        connection.execute("ROLLBACK")  # never expected: a COMMIT that failed leaves its transaction open
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


def marks(values: Sized) -> str:
    """One `{}` per value, for `IN (…)` in the plain-SQL helpers."""
    return ", ".join(["{}"] * len(values))


def columns(table: type[Table], alias: str = "") -> str:
    """Every column of a Piccolo table for a plain SELECT, as its own select() would read them."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{column._meta.db_column_name}"' for column in table._meta.columns)


def bind(query: str, named: dict[str, Any], args: list[Any]) -> tuple[str, list[Any]]:
    """`{name}` (repeatable) and `{}` (in order) placeholders as the `{}` ones `sql` and `sql_once` take, with
    the values in order. The parsing is done once per query text: hot paths call this on every request."""
    text, names = _slots(query)
    positional = iter(args)
    return text, [named[name] if name else next(positional) for name in names]


@lru_cache(maxsize=256)
def _slots(query: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []
    out: list[str] = []
    for index, part in enumerate(query.split("{")):
        if index == 0:
            out.append(part)
            continue
        name, _, rest = part.partition("}")
        names.append(name)
        out.append("{}" + rest)
    return "".join(out), tuple(names)


@lru_cache(maxsize=256)
def _numbered(query: str) -> str:
    """`{}` placeholders as PostgreSQL's $1, $2…"""
    parts = query.split("{}")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


async def again_if_raced(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt`, and once more if a constraint refused it because a concurrent write won the race: an
    exclusion constraint (two phones, one youth) or a unique key (the same scan sent twice at once). The
    second run sees that write and decides accordingly."""
    try:
        return await attempt()
    except Exception as error:
        if type(error).__name__ != "ExclusionViolationError" and not is_unique_violation(error):
            raise
        return await attempt()


def is_unique_violation(error: BaseException) -> bool:
    """A unique index refused a row (both drivers name it differently)."""
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE" in str(error)
    return type(error).__name__ == "UniqueViolationError"
