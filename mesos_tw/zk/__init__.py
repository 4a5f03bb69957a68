# -*- test-case-name: tests.test_zk_client -*-
"""
ZooKeeper for mesos_tw: a client with a L{Deferred} API over kazoo
(L{mesos_tw.zk.client}), URLs (L{mesos_tw.zk.url}), and groups
(L{mesos_tw.zk.group}) for leader election.

The client's interface is L{mesos_tw.interfaces.IZooKeeperClient}; its
errors are in L{mesos_tw.zk.errors}, its states and watch events in
L{mesos_tw.zk.events}. Tests use the fake in L{mesos_tw.testing.zookeeper}.
"""
