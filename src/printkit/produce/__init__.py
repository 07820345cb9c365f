"""Bytes in, bytes out: reading copy, handouts, imposition, press files, products."""
