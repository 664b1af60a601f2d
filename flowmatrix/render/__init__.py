"""Renderers: each reads an `Analysis` (and chart files) and returns the bytes of one format."""
