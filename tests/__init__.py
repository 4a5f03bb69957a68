"""Tests for mesos_tw."""
