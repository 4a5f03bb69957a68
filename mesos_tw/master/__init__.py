"""
The master: registers slaves and frameworks, offers resources, relays tasks
and status updates.
"""
