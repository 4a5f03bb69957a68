"""
twistd plugins for the mesos_tw daemons.
"""

from twisted.application.service import ServiceMaker

mesosMaster = ServiceMaker(
    "mesos_tw master", "mesos_tw.master.tap", "A mesos_tw master.", "mesos-master"
)
mesosSlave = ServiceMaker(
    "mesos_tw slave", "mesos_tw.slave.tap", "A mesos_tw slave.", "mesos-slave"
)
