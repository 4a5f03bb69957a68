# A mesos_tw master as a .tac file:  twistd -ny tac/mesos-master.tac
#
# Flags come from MESOS_MASTER_FLAGS, e.g.
#   MESOS_MASTER_FLAGS="--tls-dir ca/master-master --port 5050"
# and with ZooKeeper (several masters, one leads):
#   MESOS_MASTER_FLAGS="--tls-dir ca/master-m1 --zk zk://10.0.0.1:2181/mesos"
import os
import shlex

from twisted.application.service import Application

from mesos_tw.master.tap import Options, makeService

options = Options()
options.parseOptions(shlex.split(os.environ.get("MESOS_MASTER_FLAGS", "")))
application = Application("mesos-master")
makeService(options).setServiceParent(application)
