"""Helpers the test modules share (never imported from another test module): see each module."""
