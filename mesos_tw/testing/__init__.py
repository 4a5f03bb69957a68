"""
Helpers for testing mesos_tw and code built on it.
"""
