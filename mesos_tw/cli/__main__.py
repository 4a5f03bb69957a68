"""
C{python -m mesos_tw.cli}: the same as C{mesos-tw}.
"""

from mesos_tw.cli.main import main

main()
