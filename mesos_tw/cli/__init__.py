"""The mesos-tw command line."""
