"""
mesos_tw: fine-grained sharing of one cluster by many frameworks through
resource offers (the Mesos design, NSDI 2011), on Twisted.

Public wire types are L{mesos_tw.mesos_pb2}; the master and slave daemons are
the twistd plugins C{mesos-master} and C{mesos-slave}.
"""

__version__ = "0.1.0"
