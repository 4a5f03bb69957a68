# A mesos_tw slave as a .tac file:  twistd -ny tac/mesos-slave.tac
#
# Flags come from MESOS_SLAVE_FLAGS, e.g.
#   MESOS_SLAVE_FLAGS="--master 127.0.0.1:5050 --tls-dir ca/slave-s1 --work-dir /tmp/s1"
# or, to follow the leader of masters electing in ZooKeeper,
#   MESOS_SLAVE_FLAGS="--master zk://10.0.0.1:2181/mesos --tls-dir ca/slave-s1 ..."
import os
import shlex

from twisted.application.service import Application

from mesos_tw.slave.tap import Options, makeService

options = Options()
options.parseOptions(shlex.split(os.environ.get("MESOS_SLAVE_FLAGS", "")))
application = Application("mesos-slave")
makeService(options).setServiceParent(application)
