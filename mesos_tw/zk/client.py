# -*- test-case-name: tests.test_zk_client,tests.test_zk_ensemble -*-
"""
A ZooKeeper client with a L{Deferred} API, on kazoo.

kazoo runs its own threads: a connection thread, which reads the server's
answers, and worker threads. L{ZooKeeperClient} uses kazoo's asynchronous
API and hands every completion, watch and state change to the reactor thread
with C{callFromThread}, straight from the connection thread so that they
arrive in the order the server sent them; the few calls that block (starting
and stopping kazoo) run in a small thread pool of the client's own, started
by L{ZooKeeperClient.connect} and stopped by L{ZooKeeperClient.close}.

kazoo's exceptions are mapped to those of L{mesos_tw.zk.errors} (kazoo's
stays the C{__cause__}), so nothing above this module imports kazoo.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from kazoo import exceptions as kz
from kazoo.client import KazooClient, KazooState
from kazoo.handlers.threading import AsyncResult, KazooTimeoutError, SequentialThreadingHandler
from kazoo.protocol.serialization import Connect
from kazoo.security import CREATOR_ALL_ACL, READ_ACL_UNSAFE
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger, LogLevel
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.zk import errors
from mesos_tw.zk.events import ConnectionState, EventType, WatchedEvent
from mesos_tw.zk.paths import checkPath
from mesos_tw.zk.url import Credentials

log = Logger()

#: kazoo's exceptions and ours, most specific first.
_ERRORS: list[tuple[type[BaseException], type[errors.ZooKeeperError]]] = [
    (kz.ConnectionClosedError, errors.ClosedError),
    (kz.SessionExpiredError, errors.SessionExpiredError),
    (kz.NoNodeError, errors.NoNodeError),
    (kz.NodeExistsError, errors.NodeExistsError),
    (kz.NotEmptyError, errors.NotEmptyError),
    (kz.BadVersionError, errors.BadVersionError),
    (kz.NoChildrenForEphemeralsError, errors.NoChildrenForEphemeralsError),
    (kz.BadArgumentsError, errors.BadArgumentsError),
    (kz.NoAuthError, errors.NoAuthError),
    (kz.AuthFailedError, errors.NoAuthError),
    (kz.ConnectionLoss, errors.ConnectionLossError),
    (kz.ConnectionDropped, errors.ConnectionLossError),
    (KazooTimeoutError, errors.ConnectTimeoutError),
]


def mapError(error: BaseException) -> BaseException:
    """
    The L{mesos_tw.zk.errors} exception for a kazoo exception.

    Other kazoo exceptions become L{errors.ZooKeeperError}; anything else
    (a programming error) is returned as it is.
    """
    if isinstance(error, errors.ZooKeeperError):
        return error
    for kazooType, ours in _ERRORS:
        if isinstance(error, kazooType):
            break
    else:
        if not isinstance(error, kz.KazooException):
            return error
        ours = errors.ZooKeeperError
    mapped = ours(str(error) or type(error).__name__)
    mapped.__cause__ = error
    return mapped


class _KazooLog:
    """
    A stand-in for kazoo's C{logging.Logger} that hands kazoo's messages to
    L{twisted.logger} on the reactor thread (kazoo logs from its threads).
    Below C{INFO} is dropped.
    """

    _levels = {
        logging.INFO: LogLevel.info,
        logging.WARNING: LogLevel.warn,
        logging.ERROR: LogLevel.error,
        logging.CRITICAL: LogLevel.critical,
    }

    def __init__(self, reactor: Any, hosts: str) -> None:
        self._reactor = reactor
        self._hosts = hosts

    def log(self, level: int, msg: str, *args: object, **kwargs: object) -> None:
        if level < logging.INFO:
            return
        try:
            text = msg % args if args else str(msg)
        except Exception:
            text = f"{msg!r} % {args!r}"
        level = min(max(level, logging.INFO), logging.CRITICAL)
        twistedLevel = self._levels.get(level - level % 10, LogLevel.warn)
        self._reactor.callFromThread(
            log.emit, twistedLevel, "kazoo ({hosts}): {text}", hosts=self._hosts, text=text
        )

    def debug(self, msg: str, *args: object, **kwargs: object) -> None:
        pass

    def info(self, msg: str, *args: object, **kwargs: object) -> None:
        self.log(logging.INFO, msg, *args)

    def warning(self, msg: str, *args: object, **kwargs: object) -> None:
        self.log(logging.WARNING, msg, *args)

    warn = warning

    def error(self, msg: str, *args: object, **kwargs: object) -> None:
        self.log(logging.ERROR, msg, *args)

    def exception(self, msg: str, *args: object, **kwargs: object) -> None:
        import traceback

        self.log(logging.ERROR, str(msg) + "\n" + traceback.format_exc(), *args)

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.INFO


class _InOrderResult(AsyncResult):
    """
    A kazoo result that runs its callbacks on the thread that sets it (the
    connection thread, for answers from the server) rather than queueing
    them for a worker thread.
    """

    def _do_callbacks(self) -> None:
        for callback in self._callbacks:
            try:
                callback(self)
            except Exception:
                logging.getLogger(__name__).exception("kazoo completion failed")


class _InOrderHandler(SequentialThreadingHandler):
    """
    kazoo's threading handler, except that watches and completions run at
    once on kazoo's connection thread, in the order the server sent them,
    instead of on two worker threads that may reorder them. This client's
    watches and completions only hand over to the reactor thread, so this
    keeps ZooKeeper's ordering guarantee (a watch fires before the result
    of a later read is seen) all the way to the reactor.
    """

    def async_result(self) -> _InOrderResult:
        return _InOrderResult(self)

    def dispatch_callback(self, callback: Any) -> None:
        try:
            callback.func(*callback.args)
        except Exception:
            logging.getLogger(__name__).exception("kazoo watch failed")


def _recordGrantedTimeout(kazoo: KazooClient) -> Callable[[], int | None]:
    """
    Record the session timeout the server grants C{kazoo} (in ms) each time
    it connects, which kazoo uses but does not keep: wrap its connection's
    C{_invoke}, which sends the C{Connect} request and returns the server's
    answer.

    @return: a function giving the last timeout granted, or L{None} if none
        is known (or this kazoo's internals differ from those expected).
    """
    connection = getattr(kazoo, "_connection", None)
    invoke = getattr(connection, "_invoke", None)
    granted: list[int | None] = [None]
    if invoke is None:
        return lambda: None

    def recordingInvoke(timeout: float, request: Any, xid: int | None = None) -> Any:
        result = invoke(timeout, request, xid)
        if isinstance(request, Connect) and isinstance(result, tuple) and result:
            timeOut = getattr(result[0], "time_out", None)
            if isinstance(timeOut, int) and timeOut > 0:
                granted[0] = timeOut
        return result

    connection._invoke = recordingInvoke  # type: ignore[union-attr]
    return lambda: granted[0]


Watch = Callable[[WatchedEvent], object]
StateObserver = Callable[[ConnectionState], object]


@implementer(IZooKeeperClient)
class ZooKeeperClient:
    """
    An L{IZooKeeperClient} talking to a real ZooKeeper ensemble through
    kazoo.

    After a lost connection the client reconnects by itself (every
    C{maxReconnectDelay} seconds at most); after its session expired, it
    goes on with a new one (see L{ConnectionState}).

    With L{Credentials}, the client authenticates with the C{digest} scheme
    and creates nodes that anyone may read but only its user may change (as
    Mesos does).

    @ivar hosts: the connect string, C{host1:2181,host2:2181}.
    @ivar sessionTimeout: the session timeout asked for, in seconds.
    @ivar negotiatedSessionTimeout: the session timeout the server granted
        at the last connection (it bounds what clients ask for), in
        seconds, or L{None} before connecting.
    """

    def __init__(
        self,
        hosts: str | Sequence[str],
        timeout: float = 10.0,
        reactor: Any = None,
        credentials: Credentials | None = None,
        connectTimeout: float | None = None,
        maxReconnectDelay: float = 1.0,
        randomizeHosts: bool = True,
    ) -> None:
        """
        @param hosts: a connect string or a sequence of C{host:port}.
        @param timeout: the session timeout to ask for, in seconds (the
            server bounds it, by default to 2 to 20 ticks).
        @param reactor: the reactor; the global one if L{None}.
        @param credentials: L{Credentials} for the C{digest} scheme, or
            L{None}.
        @param connectTimeout: how long L{connect} waits for a server before
            failing, in seconds; L{None} to wait as long as it takes.
        @param maxReconnectDelay: the longest wait between two attempts to
            reconnect, in seconds.
        @param randomizeHosts: try the servers in a random order (spreading
            clients over the ensemble) rather than in the given one.
        """
        if reactor is None:
            from twisted.internet import reactor  # type: ignore[no-redef]
        self._reactor = reactor
        self.hosts = hosts if isinstance(hosts, str) else ",".join(hosts)
        self.sessionTimeout = timeout
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.maxReconnectDelay = maxReconnectDelay
        self.randomizeHosts = randomizeHosts
        self.state = ConnectionState.CLOSED
        self.sessionId: int | None = None
        self.negotiatedSessionTimeout: float | None = None
        self._observers: list[StateObserver] = []
        self._kazoo: KazooClient | None = None
        self._pool: ThreadPool | None = None
        self._closing: Deferred[None] | None = None
        self._connecting: Deferred[None] | None = None
        self._connectTimer: Any = None
        self._shutdownTrigger: Any = None
        #: Increases with each kazoo client, so that late events of a closed
        #: one are ignored.
        self._generation = 0

    @property
    def clientId(self) -> tuple[int, bytes] | None:
        """
        The session's id and password, or L{None}: with them another client
        can take the session over (tests use it to expire a session).
        """
        if self._kazoo is None or self.state is not ConnectionState.CONNECTED:
            return None
        return self._kazoo.client_id

    def __repr__(self) -> str:
        session = f" session {self.sessionId:#x}" if self.sessionId else ""
        return f"<ZooKeeperClient {self.hosts} {self.state.name}{session}>"

    # -- Connection ------------------------------------------------------

    def connect(self) -> Deferred[None]:
        """
        Connect (see L{IZooKeeperClient.connect}); cancelling the
        L{Deferred} gives up and closes the client.
        """
        if self._kazoo is not None:
            return fail(errors.ZooKeeperError(f"{self!r} is already connecting or connected"))
        self._generation += 1
        generation = self._generation
        authData = [("digest", self.credentials.digest)] if self.credentials else None
        acl = CREATOR_ALL_ACL + READ_ACL_UNSAFE if self.credentials else None
        self._kazoo = KazooClient(
            hosts=self.hosts,
            timeout=self.sessionTimeout,
            auth_data=authData,
            default_acl=acl,
            connection_retry={
                "max_tries": -1,
                "delay": 0.05,
                "backoff": 2,
                "max_delay": self.maxReconnectDelay,
            },
            logger=_KazooLog(self._reactor, self.hosts),
            handler=_InOrderHandler(),
            randomize_hosts=self.randomizeHosts,
        )
        kazoo = self._kazoo
        granted = _recordGrantedTimeout(kazoo)

        def listener(kazooState: str) -> None:
            # On kazoo's connection thread: read the session and its timeout
            # now, they are those this state is about.
            clientId = kazoo.client_id
            self._reactor.callFromThread(
                self._kazooStateChanged, generation, kazooState,
                clientId[0] if clientId else None, granted(),
            )

        kazoo.add_listener(listener)
        self._pool = ThreadPool(minthreads=0, maxthreads=1, name=f"zookeeper {self.hosts}")
        self._pool.start()
        self._shutdownTrigger = self._reactor.addSystemEventTrigger(
            "before", "shutdown", self.close
        )

        def cancel(d: Deferred[None]) -> None:
            self._connecting = None
            self.close()

        self._connecting = Deferred(cancel)
        if self.connectTimeout is not None:
            self._connectTimer = self._reactor.callLater(
                self.connectTimeout, self._connectTimedOut
            )
        connecting = self._connecting
        log.info("Connecting to ZooKeeper at {hosts}", hosts=self.hosts)
        started = deferToThreadPool(self._reactor, self._pool, kazoo.start_async)

        def startFailed(failure: Failure) -> None:
            if not connecting.called:
                self._connecting = None
                connecting.errback(failure)
            self.close()

        started.addCallbacks(lambda _: None, startFailed)
        return connecting

    def _connectTimedOut(self) -> None:
        self._connectTimer = None
        connecting, self._connecting = self._connecting, None
        if connecting is not None:
            error = errors.ConnectTimeoutError(
                f"could not connect to ZooKeeper at {self.hosts} "
                f"within {self.connectTimeout:g} s"
            )
            self.close()
            connecting.errback(error)

    def close(self) -> Deferred[None]:
        """
        End the session and stop kazoo's and the client's threads.
        """
        if self._closing is not None:
            return _chain(self._closing)
        kazoo, pool = self._kazoo, self._pool
        if kazoo is None:
            return succeed(None)
        if self._connectTimer is not None:
            self._connectTimer.cancel()
            self._connectTimer = None
        if self._shutdownTrigger is not None:
            self._reactor.removeSystemEventTrigger(self._shutdownTrigger)
            self._shutdownTrigger = None
        closing: Deferred[None] = Deferred()
        self._closing = closing

        def stop() -> None:
            try:
                kazoo.stop()
            finally:
                kazoo.close()

        def stopped(result: object) -> object:
            self._kazoo = self._pool = self._closing = None
            self._generation += 1
            self.sessionId = self.negotiatedSessionTimeout = None
            pool.stop()  # type: ignore[union-attr]
            self._setState(ConnectionState.CLOSED)
            connecting, self._connecting = self._connecting, None
            if connecting is not None and not connecting.called:
                connecting.errback(errors.ClosedError(f"closed while connecting to {self.hosts}"))
            if isinstance(result, Failure):
                log.failure("Stopping the ZooKeeper client of {hosts}", result, hosts=self.hosts)
            closing.callback(None)
            return None

        deferToThreadPool(self._reactor, pool, stop).addBoth(stopped)
        return _chain(closing)

    def addStateObserver(self, observer: StateObserver) -> None:
        self._observers.append(observer)

    def removeStateObserver(self, observer: StateObserver) -> None:
        self._observers.remove(observer)

    def _kazooStateChanged(
        self, generation: int, kazooState: str, sessionId: int | None, granted: int | None
    ) -> None:
        if generation != self._generation:
            return
        if kazooState == KazooState.CONNECTED:
            self.sessionId = sessionId
            self._granted(granted)
            self._setState(ConnectionState.CONNECTED)
            if self._connectTimer is not None:
                self._connectTimer.cancel()
                self._connectTimer = None
            connecting, self._connecting = self._connecting, None
            if connecting is not None:
                connecting.callback(None)
        elif kazooState == KazooState.SUSPENDED:
            self._setState(ConnectionState.SUSPENDED)
        elif self._closing is None and self._connecting is None:
            # LOST while neither closing nor connecting: the server expired
            # the session; kazoo goes on with a new one.
            self.sessionId = None
            self._setState(ConnectionState.EXPIRED)

    def _granted(self, milliseconds: int | None) -> None:
        """
        Note the session timeout the server granted.
        """
        if milliseconds is None:
            return
        timeout = milliseconds / 1000.0
        if timeout != self.negotiatedSessionTimeout and timeout < self.sessionTimeout:
            log.warn(
                "ZooKeeper at {hosts} granted a session timeout of {granted:g} s, less than "
                "the {asked:g} s asked for (the servers' maxSessionTimeout bounds it)",
                hosts=self.hosts, granted=timeout, asked=self.sessionTimeout,
            )
        self.negotiatedSessionTimeout = timeout

    def _setState(self, state: ConnectionState) -> None:
        if state is self.state:
            return
        previous, self.state = self.state, state
        if state is ConnectionState.CONNECTED:
            log.info(
                "ZooKeeper session {session:#x} connected to {hosts}",
                session=self.sessionId or 0, hosts=self.hosts,
            )
        elif state is ConnectionState.SUSPENDED:
            log.warn("Lost the connection to ZooKeeper at {hosts}; reconnecting", hosts=self.hosts)
        elif state is ConnectionState.EXPIRED:
            log.warn("ZooKeeper session expired at {hosts}; opening a new one", hosts=self.hosts)
        elif previous is not ConnectionState.CLOSED:
            log.info("Closed the ZooKeeper session at {hosts}", hosts=self.hosts)
        for observer in list(self._observers):
            try:
                observer(state)
            except Exception:
                log.failure("ZooKeeper state observer {observer!r} failed", observer=observer)

    # -- Operations ------------------------------------------------------

    def _call(self, method: str, *args: object, **kwargs: object) -> Deferred[Any]:
        """
        Call kazoo's C{method} (an C{*_async} one) and fire a L{Deferred}
        with its result on the reactor thread.
        """
        kazoo = self._kazoo
        if kazoo is None or self._closing is not None:
            return fail(errors.ClosedError(
                f"the ZooKeeper client of {self.hosts} is not connected"
            ))
        d: Deferred[Any] = Deferred()

        def completed(asyncResult: Any) -> None:
            # On a kazoo thread.
            if asyncResult.successful():
                self._reactor.callFromThread(d.callback, asyncResult.value)
            else:
                error = mapError(asyncResult.exception)
                self._reactor.callFromThread(d.errback, Failure(error))

        try:
            getattr(kazoo, method)(*args, **kwargs).rawlink(completed)
        except Exception as e:
            return fail(mapError(e))
        return d

    def _watch(self, watch: Watch | None) -> Callable[[Any], None] | None:
        if watch is None:
            return None
        generation = self._generation

        def kazooWatch(event: Any) -> None:
            # On a kazoo thread.
            try:
                eventType = EventType(event.type)
            except ValueError:
                eventType = EventType.NONE
            ours = WatchedEvent(eventType, event.path if eventType is not EventType.NONE else None)
            self._reactor.callFromThread(self._deliver, generation, watch, ours)

        return kazooWatch

    def _deliver(self, generation: int, watch: Watch, event: WatchedEvent) -> None:
        if generation != self._generation or self._closing is not None:
            return
        try:
            watch(event)
        except Exception:
            log.failure("ZooKeeper watch {watch!r} failed on {event!r}", watch=watch, event=event)

    def create(
        self,
        path: str,
        value: bytes = b"",
        ephemeral: bool = False,
        sequence: bool = False,
        makepath: bool = False,
    ) -> Deferred[str]:
        try:
            checkPath(path, sequence)
            _checkValue(value)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(
            "create_async", path, value,
            ephemeral=ephemeral, sequence=sequence, makepath=makepath,
        )

    def get(self, path: str, watch: Watch | None = None) -> Deferred[bytes]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("get_async", path, watch=self._watch(watch)).addCallback(
            lambda result: result[0]
        )

    def getVersioned(self, path: str, watch: Watch | None = None) -> Deferred[tuple[bytes, int]]:
        """
        The node's data and its version (the number of changes of its data),
        for a conditional L{set}.
        """
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("get_async", path, watch=self._watch(watch)).addCallback(
            lambda result: (result[0], result[1].version)
        )

    def set(self, path: str, value: bytes, version: int = -1) -> Deferred[None]:
        """
        Replace the node's data; with a C{version} (from L{getVersioned}),
        only if the node is still at that version, else fail with
        L{errors.BadVersionError}.
        """
        try:
            checkPath(path)
            _checkValue(value)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("set_async", path, value, version).addCallback(lambda _: None)

    def getChildren(self, path: str, watch: Watch | None = None) -> Deferred[list[str]]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("get_children_async", path, watch=self._watch(watch)).addCallback(
            sorted
        )

    def exists(self, path: str, watch: Watch | None = None) -> Deferred[bool]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("exists_async", path, watch=self._watch(watch)).addCallback(
            lambda stat: stat is not None
        )

    def delete(self, path: str) -> Deferred[None]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("delete_async", path).addCallback(lambda _: None)

    def ensurePath(self, path: str) -> Deferred[None]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call("ensure_path_async", path).addCallback(lambda _: None)


def _checkValue(value: object) -> None:
    if not isinstance(value, bytes):
        raise errors.BadArgumentsError(
            f"ZooKeeper node data must be bytes, not {type(value).__name__}"
        )


def _chain(d: Deferred[None]) -> Deferred[None]:
    """
    A new L{Deferred} firing when C{d} does, with L{None}.
    """
    result: Deferred[None] = Deferred()

    def fired(r: object) -> object:
        result.callback(None)
        return r

    d.addBoth(fired)
    return result
