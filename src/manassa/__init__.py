"""Manassa (منصّة): an open-source unified digital-government platform."""

__version__ = "0.1.0"
