"""
The wire: length-prefixed protobuf envelopes over mutual TLS.
"""
