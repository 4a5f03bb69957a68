"""
The slave: reports a machine's resources to the master and runs tasks.
"""
