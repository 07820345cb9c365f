"""Shared PDF primitives: text and fonts, marks, structure tags, PDF/A, metadata."""
